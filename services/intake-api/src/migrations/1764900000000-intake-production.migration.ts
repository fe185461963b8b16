import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Idempotency claims (a key is claimed before the work, so a concurrent retry can be told it is
 * in flight), open/closed person-case mappings, and the index that counts a hotline's active keys.
 */
export class IntakeProduction1764900000000 implements MigrationInterface {
  name = 'IntakeProduction1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE intake.idempotency_keys
        ALTER COLUMN report_id DROP NOT NULL,
        ADD COLUMN state text NOT NULL DEFAULT 'done' CHECK (state IN ('in-flight', 'done')),
        ADD COLUMN claim_token uuid,
        ADD COLUMN claimed_until timestamptz,
        ADD COLUMN response json`);
    await q.query(`
      UPDATE intake.idempotency_keys k
         SET response = json_build_object('reportId', r.report_id, 'incidentId', r.incident_id, 'cases', r.cases)
        FROM intake.reports r
       WHERE r.report_id = k.report_id`);
    await q.query(`CREATE INDEX idempotency_keys_age ON intake.idempotency_keys (created_at)`);

    // A person may have had closed cases; only one case per person is open at a time.
    await q.query(`ALTER TABLE intake.person_cases DROP CONSTRAINT person_cases_pkey`);
    await q.query(`ALTER TABLE intake.person_cases ADD COLUMN closed_at timestamptz`);
    await q.query(`ALTER TABLE intake.person_cases ADD PRIMARY KEY (case_id)`);
    await q.query(
      `CREATE UNIQUE INDEX person_cases_open ON intake.person_cases (registration_hash) WHERE closed_at IS NULL`,
    );

    await q.query(`ALTER TABLE intake.hotline_keys ADD COLUMN label text`);
    await q.query(
      `CREATE INDEX hotline_keys_active ON intake.hotline_keys (hotline_id) WHERE revoked_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX intake.hotline_keys_active`);
    await q.query(`ALTER TABLE intake.hotline_keys DROP COLUMN label`);
    await q.query(`DROP INDEX intake.person_cases_open`);
    await q.query(`DELETE FROM intake.person_cases WHERE closed_at IS NOT NULL`);
    await q.query(`ALTER TABLE intake.person_cases DROP CONSTRAINT person_cases_pkey`);
    await q.query(`ALTER TABLE intake.person_cases DROP COLUMN closed_at`);
    await q.query(`ALTER TABLE intake.person_cases ADD PRIMARY KEY (registration_hash)`);
    await q.query(`DROP INDEX intake.idempotency_keys_age`);
    await q.query(`DELETE FROM intake.idempotency_keys WHERE state <> 'done' OR report_id IS NULL`);
    await q.query(`
      ALTER TABLE intake.idempotency_keys
        DROP COLUMN response, DROP COLUMN claimed_until, DROP COLUMN claim_token, DROP COLUMN state,
        ALTER COLUMN report_id SET NOT NULL`);
  }
}
