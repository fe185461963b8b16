import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Which cases each person reference stands in, and their regions: an erasure has to reach every
 * case of the person with a record-erased event. Pseudonymous ids and region slugs only.
 * Backfilled from the outbox, which keeps every event intake has written.
 */
export class PersonRefs1765100000000 implements MigrationInterface {
  name = 'PersonRefs1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE intake.person_refs (
        person_ref        text        NOT NULL,
        case_id           uuid        NOT NULL,
        region            text        NOT NULL,
        first_reported_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (person_ref, case_id)
      )`);
    await q.query(`
      INSERT INTO intake.person_refs (person_ref, case_id, region, first_reported_at)
      SELECT value::jsonb #>> '{context,personRef}', stream_key::uuid, value::jsonb #>> '{context,region}', min(created_at)
        FROM intake.outbox
       WHERE value::jsonb #>> '{context,personRef}' IS NOT NULL AND value::jsonb #>> '{context,region}' IS NOT NULL
       GROUP BY 1, 2, 3
      ON CONFLICT (person_ref, case_id) DO NOTHING`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE intake.person_refs');
  }
}
