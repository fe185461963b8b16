import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class EscalationAcknowledgement1764300000000 implements MigrationInterface {
  name = 'EscalationAcknowledgement1764300000000';

  async up(q: QueryRunner): Promise<void> {
    // The code an SMS reply quotes; unique among open alerts so 'ACK 4821' names one alert.
    await q.query(`
      ALTER TABLE alerting.alerts
        ADD COLUMN ack_code         text,
        ADD COLUMN event_code       text,
        ADD COLUMN acknowledged_by  text,
        ADD COLUMN acknowledged_via text`);
    await q.query(
      `CREATE UNIQUE INDEX alerts_open_ack_code ON alerting.alerts (ack_code) WHERE status = 'open'`,
    );
    await q.query(
      `CREATE INDEX alerts_incident_open ON alerting.alerts (incident_id) WHERE status = 'open'`,
    );

    // One message to one recipient may go out on several channels (parallel or failover): the
    // rows of a message share message_id, and plan lists the channels it may fail over to.
    await q.query(`
      ALTER TABLE alerting.notifications
        ADD COLUMN message_id          uuid,
        ADD COLUMN kind                text NOT NULL DEFAULT 'alert',
        ADD COLUMN plan                jsonb NOT NULL DEFAULT '{"channels":[],"fallbacks":[]}',
        ADD COLUMN provider            text,
        ADD COLUMN provider_message_id text,
        ADD COLUMN delivered_at        timestamptz`);
    await q.query(`UPDATE alerting.notifications SET message_id = notification_id`);
    await q.query(`ALTER TABLE alerting.notifications ALTER COLUMN message_id SET NOT NULL`);
    await q.query(
      `CREATE UNIQUE INDEX notifications_message_channel ON alerting.notifications (message_id, channel)`,
    );
    await q.query(`CREATE INDEX notifications_alert ON alerting.notifications (alert_id)`);
    await q.query(
      `CREATE INDEX notifications_provider_message ON alerting.notifications (provider, provider_message_id)
       WHERE provider_message_id IS NOT NULL`,
    );

    // Receipts can overtake the commit that records the send; they wait here to be matched.
    await q.query(`
      CREATE TABLE alerting.delivery_receipts (
        provider     text        NOT NULL,
        reference    text        NOT NULL,
        delivered    boolean     NOT NULL,
        received_at  timestamptz NOT NULL DEFAULT now(),
        matched_at   timestamptz,
        PRIMARY KEY (provider, reference)
      )`);

    // Escalation timers: a row per unacknowledged alert with a next tier, claimed when due.
    await q.query(`
      CREATE TABLE alerting.escalations (
        alert_id uuid        PRIMARY KEY REFERENCES alerting.alerts,
        tier     int         NOT NULL,
        due_at   timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX escalations_due ON alerting.escalations (due_at)`);

    // Incident grouping per recipient and purpose (the first page, each escalation tier), with
    // the held update durable until its flush time.
    await q.query(`
      ALTER TABLE alerting.incident_pages
        ADD COLUMN purpose   text        NOT NULL DEFAULT 'page:0',
        ADD COLUMN state     jsonb,
        ADD COLUMN flush_at  timestamptz,
        ADD COLUMN recipient jsonb`);
    await q.query(`
      UPDATE alerting.incident_pages SET state = jsonb_build_object(
        'pagedAt', to_char(paged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'caseIds', '[]'::jsonb, 'heldCaseIds', '[]'::jsonb, 'flushAt', NULL)`);
    await q.query(`ALTER TABLE alerting.incident_pages ALTER COLUMN state SET NOT NULL`);
    await q.query(`ALTER TABLE alerting.incident_pages DROP CONSTRAINT incident_pages_pkey`);
    await q.query(
      `ALTER TABLE alerting.incident_pages ADD PRIMARY KEY (incident_id, recipient_id, purpose)`,
    );
    await q.query(
      `CREATE INDEX incident_pages_flush ON alerting.incident_pages (flush_at) WHERE flush_at IS NOT NULL`,
    );

    // Which routing each running dispatcher has loaded, for `beacon routing status`.
    await q.query(`
      CREATE TABLE alerting.dispatcher_instances (
        instance_id       text        PRIMARY KEY,
        host              text        NOT NULL,
        pid               int         NOT NULL,
        routing_sha256    text,
        routing_loaded_at timestamptz,
        routing_error     text,
        started_at        timestamptz NOT NULL,
        seen_at           timestamptz NOT NULL
      )`);

    // A rebuild replays the topic up to these offsets without deciding anything again.
    await q.query(`
      CREATE TABLE alerting.replay_marks (
        topic        text   NOT NULL,
        partition    int    NOT NULL,
        until_offset bigint NOT NULL,
        PRIMARY KEY (topic, partition)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'DROP TABLE alerting.replay_marks, alerting.dispatcher_instances, alerting.escalations, alerting.delivery_receipts',
    );
    await q.query(`DROP INDEX alerting.incident_pages_flush`);
    await q.query(`ALTER TABLE alerting.incident_pages DROP CONSTRAINT incident_pages_pkey`);
    await q.query(`DELETE FROM alerting.incident_pages WHERE purpose <> 'page:0'`);
    await q.query(
      `ALTER TABLE alerting.incident_pages DROP COLUMN purpose, DROP COLUMN state, DROP COLUMN flush_at, DROP COLUMN recipient`,
    );
    await q.query(
      `ALTER TABLE alerting.incident_pages ADD PRIMARY KEY (incident_id, recipient_id)`,
    );
    await q.query(
      `ALTER TABLE alerting.notifications DROP COLUMN message_id, DROP COLUMN kind, DROP COLUMN plan,
         DROP COLUMN provider, DROP COLUMN provider_message_id, DROP COLUMN delivered_at`,
    );
    await q.query(
      `ALTER TABLE alerting.alerts DROP COLUMN ack_code, DROP COLUMN event_code, DROP COLUMN acknowledged_by, DROP COLUMN acknowledged_via`,
    );
  }
}
