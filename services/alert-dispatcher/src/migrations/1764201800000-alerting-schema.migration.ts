import { checkpointsTableSql, outboxTableSql } from '@beacon/persistence';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class AlertingSchema1764201800000 implements MigrationInterface {
  name = 'AlertingSchema1764201800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(checkpointsTableSql('alerting'));
    await q.query(outboxTableSql('alerting'));
    // The dispatcher's own fold of each case, independent of the projector's tables.
    await q.query(`
      CREATE TABLE alerting.case_states (
        case_id    uuid PRIMARY KEY,
        state      jsonb       NOT NULL,
        urgency    text        NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE alerting.alerts (
        alert_id        uuid PRIMARY KEY,
        dedup_key       text        NOT NULL,
        case_id         uuid        NOT NULL,
        incident_id     uuid,
        region          text,
        rule            text        NOT NULL,
        urgency         text        NOT NULL,
        status          text        NOT NULL DEFAULT 'open',
        tier            int         NOT NULL DEFAULT 0,
        raised_at       timestamptz NOT NULL,
        acknowledged_at timestamptz,
        resolved_at     timestamptz
      )`);
    // One open alert per case and rule; a case that calms down and flares up again gets a new one.
    await q.query(`CREATE UNIQUE INDEX alerts_open_dedup ON alerting.alerts (dedup_key) WHERE status = 'open'`);
    await q.query(`CREATE INDEX alerts_case_open ON alerting.alerts (case_id) WHERE status = 'open'`);
    await q.query(`
      CREATE TABLE alerting.notifications (
        notification_id uuid PRIMARY KEY,
        alert_id        uuid        NOT NULL REFERENCES alerting.alerts,
        case_id         uuid        NOT NULL,
        recipient_id    text        NOT NULL,
        channel         text        NOT NULL,
        address         text        NOT NULL,
        locale          text        NOT NULL,
        tier            int         NOT NULL,
        facts           jsonb       NOT NULL,
        status          text        NOT NULL DEFAULT 'pending',
        attempts        int         NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        last_error      text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        sent_at         timestamptz
      )`);
    await q.query(
      `CREATE INDEX notifications_due ON alerting.notifications (next_attempt_at) WHERE status = 'pending'`,
    );
    // Who was already paged about an incident, so its further cases do not page again.
    await q.query(`
      CREATE TABLE alerting.incident_pages (
        incident_id  uuid        NOT NULL,
        recipient_id text        NOT NULL,
        alert_id     uuid        NOT NULL,
        paged_at     timestamptz NOT NULL,
        PRIMARY KEY (incident_id, recipient_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'DROP TABLE alerting.incident_pages, alerting.notifications, alerting.alerts, alerting.case_states, alerting.outbox, alerting.kafka_checkpoints',
    );
  }
}
