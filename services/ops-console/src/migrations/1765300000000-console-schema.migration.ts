import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The console's own data: referrals of cases to legal-aid organisations (what a lawyer may see).
 * Ids and field names only.
 */
export class ConsoleSchema1765300000000 implements MigrationInterface {
  name = 'ConsoleSchema1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE console.referrals (
        case_id      uuid        NOT NULL,
        organisation text        NOT NULL,
        fields       text[]      NOT NULL,
        referred_by  text        NOT NULL,
        referred_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (case_id, organisation)
      )`);
    await q.query('CREATE INDEX referrals_organisation ON console.referrals (organisation)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE console.referrals');
  }
}
