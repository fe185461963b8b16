import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The audit log and its alerts, append-only: triggers reject UPDATE, DELETE and TRUNCATE for
 * every role (the owner included), and no privilege to change rows is granted to anyone.
 */
export class AuditSchema1765000000100 implements MigrationInterface {
  name = 'AuditSchema1765000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit.entries (
        seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id           uuid        NOT NULL UNIQUE,
        at           timestamptz NOT NULL,
        recorded_at  timestamptz NOT NULL DEFAULT now(),
        actor_id     text        NOT NULL,
        actor_role   text        NOT NULL,
        action       text        NOT NULL CHECK (action IN ('read', 'export', 'share', 'override', 'erase', 'admin')),
        subject_type text        NOT NULL CHECK (subject_type IN ('case', 'person', 'user', 'system')),
        subject_id   text        NOT NULL,
        fields       text[]      NOT NULL DEFAULT '{}',
        identifying  boolean     NOT NULL,
        purpose      text        NOT NULL,
        detail       jsonb       NOT NULL DEFAULT '{}'
      )`);
    await q.query(
      `CREATE INDEX entries_actor_at ON audit.entries (actor_id, at) WHERE identifying`,
    );
    await q.query(`CREATE INDEX entries_subject ON audit.entries (subject_type, subject_id, seq)`);
    await q.query(`CREATE INDEX entries_at ON audit.entries (at)`);
    await q.query(`
      CREATE TABLE audit.alerts (
        seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id           uuid        NOT NULL UNIQUE,
        kind         text        NOT NULL CHECK (kind IN ('bulk-read')),
        actor_id     text        NOT NULL,
        raised_at    timestamptz NOT NULL,
        window_start timestamptz NOT NULL,
        subjects     integer     NOT NULL,
        threshold    integer     NOT NULL
      )`);
    await q.query(`CREATE INDEX alerts_actor ON audit.alerts (actor_id, raised_at)`);
    await q.query(`
      CREATE FUNCTION audit.reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit log is append-only: % on %.% is not allowed', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['entries', 'alerts']) {
      // Statement-level, so even a change that matches no row is refused.
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit.${table}
                     FOR EACH STATEMENT EXECUTE FUNCTION audit.reject_change()`);
      await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit.${table} FROM PUBLIC`);
    }
  }

  down(): Promise<void> {
    // An audit log is never rolled back.
    return Promise.reject(new Error('the audit schema cannot be reverted'));
  }
}
