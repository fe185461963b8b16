import { checkpointsTableSql } from '@beacon/persistence';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class ProjectionSchema1764201700000 implements MigrationInterface {
  name = 'ProjectionSchema1764201700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(checkpointsTableSql('projection'));
    await q.query(`
      CREATE TABLE projection.cases (
        case_id          uuid PRIMARY KEY,
        incident_id      uuid,
        person_ref       text,
        region           text,
        custody          text        NOT NULL,
        location_status  text        NOT NULL,
        access           text        NOT NULL,
        removal_risk     text        NOT NULL,
        closed           boolean     NOT NULL,
        urgency          text        NOT NULL,
        urgency_reasons  text[]      NOT NULL,
        state            jsonb       NOT NULL,
        opened_at        timestamptz,
        last_occurred_at timestamptz,
        updated_at       timestamptz NOT NULL,
        event_count      int         NOT NULL,
        last_partition   int         NOT NULL,
        last_offset      bigint      NOT NULL
      )`);
    await q.query(`CREATE INDEX cases_region_urgency ON projection.cases (region, urgency, updated_at DESC)`);
    await q.query(`CREATE INDEX cases_incident ON projection.cases (incident_id)`);
    await q.query(`
      CREATE TABLE projection.case_timeline (
        event_id    uuid PRIMARY KEY,
        case_id     uuid        NOT NULL,
        event_type  text        NOT NULL,
        event_name  text        NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        summary     text        NOT NULL,
        partition   int         NOT NULL,
        "offset"    bigint      NOT NULL
      )`);
    await q.query(`CREATE INDEX case_timeline_case ON projection.case_timeline (case_id, occurred_at, recorded_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE projection.case_timeline, projection.cases, projection.kafka_checkpoints');
  }
}
