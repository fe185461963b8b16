import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * How far the dispatcher has read the audit log's alerts: each bulk-read alert is e-mailed to
 * the security desk once, whichever instance gets to it.
 */
export class AuditAlertCursor1765200000000 implements MigrationInterface {
  name = 'AuditAlertCursor1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alerting.audit_alert_cursor (
        consumer   text        PRIMARY KEY,
        last_seq   bigint      NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE alerting.audit_alert_cursor');
  }
}
