import { AlertingSchema1764201800000 } from './1764201800000-alerting-schema.migration';

export const alertingMigrations = [AlertingSchema1764201800000];
