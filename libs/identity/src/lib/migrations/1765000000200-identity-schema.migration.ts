import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Staff accounts, refresh-token families, login throttling and pending OIDC logins. */
export class IdentitySchema1765000000200 implements MigrationInterface {
  name = 'IdentitySchema1765000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE identity.users (
        id              uuid        PRIMARY KEY,
        username        text        NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
        role            text        NOT NULL CHECK (role IN ('hotline', 'officer', 'legal-aid', 'ops', 'admin')),
        regions         text[]      NOT NULL DEFAULT '{}',
        organisation    text,
        password_hash   text,
        totp_secret     jsonb,
        totp_last_step  bigint,
        failed_attempts integer     NOT NULL DEFAULT 0,
        locked_until    timestamptz,
        disabled_at     timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CHECK (role <> 'legal-aid' OR organisation IS NOT NULL)
      )`);
    // Failed logins for usernames that do not exist, so they lock out exactly like real ones.
    await q.query(`
      CREATE TABLE identity.login_throttle (
        username        text        PRIMARY KEY,
        failed_attempts integer     NOT NULL DEFAULT 0,
        locked_until    timestamptz,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE identity.refresh_tokens (
        token_hash        text        PRIMARY KEY,
        family_id         uuid        NOT NULL,
        user_id           uuid        NOT NULL REFERENCES identity.users (id),
        amr               text[]      NOT NULL,
        issued_at         timestamptz NOT NULL,
        expires_at        timestamptz NOT NULL,
        family_expires_at timestamptz NOT NULL,
        used_at           timestamptz,
        revoked_at        timestamptz
      )`);
    await q.query(`CREATE INDEX refresh_tokens_family ON identity.refresh_tokens (family_id)`);
    await q.query(`CREATE INDEX refresh_tokens_user ON identity.refresh_tokens (user_id) WHERE revoked_at IS NULL`);
    await q.query(`CREATE INDEX refresh_tokens_expiry ON identity.refresh_tokens (family_expires_at)`);
    await q.query(`
      CREATE TABLE identity.oidc_logins (
        state_hash    text        PRIMARY KEY,
        code_verifier text        NOT NULL,
        nonce         text        NOT NULL,
        expires_at    timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE identity.oidc_logins, identity.refresh_tokens, identity.login_throttle, identity.users');
  }
}
