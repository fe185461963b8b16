import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Person data keys, only ever stored wrapped under a master key, and the tombstones erasure
 * leaves behind (who asked, when, why; no key material).
 */
export class VaultSchema1765000000000 implements MigrationInterface {
  name = 'VaultSchema1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE vault.person_keys (
        person_ref   text        PRIMARY KEY,
        key_version  integer     NOT NULL CHECK (key_version > 0),
        master_kid   text        NOT NULL,
        wrapped_key  text        NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        rewrapped_at timestamptz
      )`);
    await q.query(`CREATE INDEX person_keys_master_kid ON vault.person_keys (master_kid)`);
    await q.query(`
      CREATE TABLE vault.erasures (
        person_ref   text        PRIMARY KEY,
        key_version  integer,
        erased_at    timestamptz NOT NULL DEFAULT now(),
        requested_by text        NOT NULL,
        reason       text        NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE vault.erasures, vault.person_keys');
  }
}
