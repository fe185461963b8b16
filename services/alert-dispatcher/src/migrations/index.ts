import { AlertingSchema1764201800000 } from './1764201800000-alerting-schema.migration';
import { EscalationAcknowledgement1764300000000 } from './1764300000000-escalation-acknowledgement.migration';

export const alertingMigrations = [
  AlertingSchema1764201800000,
  EscalationAcknowledgement1764300000000,
];
