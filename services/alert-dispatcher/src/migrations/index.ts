import { AlertingSchema1764201800000 } from './1764201800000-alerting-schema.migration';
import { EscalationAcknowledgement1764300000000 } from './1764300000000-escalation-acknowledgement.migration';
import { AuditAlertCursor1765200000000 } from './1765200000000-audit-alert-cursor.migration';
import { NotificationTrace1765500000000 } from './1765500000000-notification-trace.migration';
import { NotificationsDueByChannel1765600000000 } from './1765600000000-notifications-due-by-channel.migration';
import { CaseReview1766100000000 } from './1766100000000-case-review.migration';

export const alertingMigrations = [
  AlertingSchema1764201800000,
  EscalationAcknowledgement1764300000000,
  AuditAlertCursor1765200000000,
  NotificationTrace1765500000000,
  NotificationsDueByChannel1765600000000,
  CaseReview1766100000000,
];
