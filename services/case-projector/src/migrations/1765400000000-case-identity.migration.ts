import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The sealed identifying fields of each case (name, date of birth, registration number, phone,
 * notes), as they arrive: AES-256-GCM values under the person's key, never decrypted here. A
 * record-erased event deletes the person's values and leaves a marker row (`erased_at`); the key
 * is already destroyed, so this only stops keeping ciphertext nobody can open. Versioned like the
 * other read models.
 *
 * Existing cases get their values at the next `beacon projections rebuild`; a rebuild that was
 * in progress when this ran should be restarted (`--restart`) so its version has them too.
 */
export class CaseIdentity1765400000000 implements MigrationInterface {
  name = 'CaseIdentity1765400000000';

  async up(q: QueryRunner): Promise<void> {
    const versions = (await q.query(
      `SELECT version, status FROM projection.read_model_versions WHERE status IN ('active', 'building') ORDER BY version`,
    )) as { version: number; status: string }[];
    for (const { version, status } of versions) {
      await q.query(`
        CREATE TABLE projection.case_identity_v${version} (
          event_id    uuid        NOT NULL,
          field       text        NOT NULL,
          case_id     uuid        NOT NULL,
          person_ref  text        NOT NULL,
          event_name  text        NOT NULL,
          occurred_at timestamptz NOT NULL,
          recorded_at timestamptz NOT NULL,
          value       jsonb,
          erased_at   timestamptz,
          CONSTRAINT case_identity_v${version}_pkey PRIMARY KEY (event_id, field),
          CONSTRAINT case_identity_v${version}_sealed CHECK (value IS NULL OR value->>'alg' = 'A256GCM')
        )`);
      await q.query(
        `CREATE INDEX case_identity_v${version}_case ON projection.case_identity_v${version} (case_id)`,
      );
      await q.query(
        `CREATE INDEX case_identity_v${version}_person ON projection.case_identity_v${version} (person_ref)`,
      );
      if (status === 'active') {
        await q.query(
          `CREATE VIEW projection.case_identity AS SELECT * FROM projection.case_identity_v${version}`,
        );
      }
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP VIEW IF EXISTS projection.case_identity');
    const tables = (await q.query(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'projection' AND tablename ~ '^case_identity_v[0-9]+$'`,
    )) as { tablename: string }[];
    for (const { tablename } of tables) await q.query(`DROP TABLE projection.${tablename}`);
  }
}
