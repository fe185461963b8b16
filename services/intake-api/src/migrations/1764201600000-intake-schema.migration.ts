import { checkpointsTableSql, outboxTableSql } from '@beacon/persistence';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class IntakeSchema1764201600000 implements MigrationInterface {
  name = 'IntakeSchema1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(outboxTableSql('intake'));
    await q.query(checkpointsTableSql('intake'));
    await q.query(`
      CREATE TABLE intake.hotline_keys (
        id           uuid PRIMARY KEY,
        hotline_id   text        NOT NULL,
        key_hash     text        NOT NULL UNIQUE,
        regions      text[]      NOT NULL,
        event_types  text[]      NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        revoked_at   timestamptz
      )`);
    await q.query(`
      CREATE TABLE intake.reports (
        report_id    uuid PRIMARY KEY,
        hotline_id   text        NOT NULL,
        incident_id  uuid        NOT NULL,
        received_at  timestamptz NOT NULL DEFAULT now(),
        cases        jsonb       NOT NULL,
        event_ids    uuid[]      NOT NULL
      )`);
    await q.query(`
      CREATE TABLE intake.idempotency_keys (
        hotline_id   text        NOT NULL,
        key          text        NOT NULL,
        request_hash text        NOT NULL,
        report_id    uuid        NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (hotline_id, key)
      )`);
    // Which open case a person is in, by keyed hash of their registration number only.
    await q.query(`
      CREATE TABLE intake.person_cases (
        registration_hash text PRIMARY KEY,
        person_ref        text        NOT NULL,
        case_id           uuid        NOT NULL,
        opened_at         timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'DROP TABLE intake.person_cases, intake.idempotency_keys, intake.reports, intake.hotline_keys, intake.kafka_checkpoints, intake.outbox',
    );
  }
}
