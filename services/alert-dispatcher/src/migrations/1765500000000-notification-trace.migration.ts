import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Each queued message keeps the trace of the event that caused it and when Beacon recorded
 * that event, so the send (a separate worker, maybe another instance) continues the report's
 * trace and time-to-notify is measured from the report, not from the decision.
 */
export class NotificationTrace1765500000000 implements MigrationInterface {
  name = 'NotificationTrace1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE alerting.notifications
        ADD COLUMN traceparent text,
        ADD COLUMN origin_at   timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE alerting.notifications DROP COLUMN traceparent, DROP COLUMN origin_at');
  }
}
