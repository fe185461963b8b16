import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A key is never stored for an erased person, whichever code path inserts it: services that
 * insert a new key in the same statement as the data sealed under it rely on this refusal
 * (SQLSTATE BV001) instead of checking the tombstones themselves.
 */
export class NoKeyAfterErasure1765600000000 implements MigrationInterface {
  name = 'NoKeyAfterErasure1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION vault.refuse_key_for_erased() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM vault.erasures WHERE person_ref = NEW.person_ref) THEN
          RAISE EXCEPTION 'person % was erased; no new key is stored for them', NEW.person_ref
            USING ERRCODE = 'BV001';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER person_keys_not_erased BEFORE INSERT ON vault.person_keys
        FOR EACH ROW EXECUTE FUNCTION vault.refuse_key_for_erased()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER person_keys_not_erased ON vault.person_keys');
    await q.query('DROP FUNCTION vault.refuse_key_for_erased()');
  }
}
