import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Every sealed value written asks whether its person was erased; with only the index of all of a
 * person's values that visits each of them. The erasure markers get an index of their own: it is
 * tiny, and the question becomes one probe. New versions copy it with the rest of the indexes.
 */
export class ErasedPeopleIndex1766000000000 implements MigrationInterface {
  name = 'ErasedPeopleIndex1766000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of await identityTables(q)) {
      await q.query(
        `CREATE INDEX ${table}_erased ON projection.${table} (person_ref) WHERE erased_at IS NOT NULL`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    // Versions built since copied the index under a name Postgres chose: found by what it is.
    const indexes = (await q.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'projection' AND tablename ~ '^case_identity_v[0-9]+$'
         AND indexdef LIKE '%(person_ref) WHERE (erased_at IS NOT NULL)'`,
    )) as { indexname: string }[];
    for (const { indexname } of indexes) await q.query(`DROP INDEX projection.${indexname}`);
  }
}

async function identityTables(q: QueryRunner): Promise<string[]> {
  const rows = (await q.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'projection' AND tablename ~ '^case_identity_v[0-9]+$' ORDER BY tablename`,
  )) as { tablename: string }[];
  return rows.map((r) => r.tablename);
}
