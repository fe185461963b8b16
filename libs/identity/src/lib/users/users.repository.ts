import { type Role } from '@beacon/access-policy';
import { type EncryptedValue } from '@beacon/security';
import { Inject, Injectable } from '@nestjs/common';
import { type Pool } from 'pg';
import { IDENTITY_POOL } from '../identity.options';

export interface UserRecord {
  id: string;
  username: string;
  role: Role;
  regions: string[];
  organisation: string | null;
  passwordHash: string | null;
  totpSecret: EncryptedValue | null;
  totpLastStep: number | null;
  failedAttempts: number;
  lockedUntil: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
}

interface UserRow {
  id: string;
  username: string;
  role: Role;
  regions: string[];
  organisation: string | null;
  password_hash: string | null;
  totp_secret: EncryptedValue | null;
  totp_last_step: string | null;
  failed_attempts: number;
  locked_until: Date | null;
  disabled_at: Date | null;
  created_at: Date;
}

const toUser = (row: UserRow): UserRecord => ({
  id: row.id,
  username: row.username,
  role: row.role,
  regions: row.regions,
  organisation: row.organisation,
  passwordHash: row.password_hash,
  totpSecret: row.totp_secret,
  totpLastStep: row.totp_last_step === null ? null : Number(row.totp_last_step),
  failedAttempts: row.failed_attempts,
  lockedUntil: row.locked_until,
  disabledAt: row.disabled_at,
  createdAt: row.created_at,
});

export interface Throttle {
  failedAttempts: number;
  lockedUntil: Date | null;
}

@Injectable()
export class UsersRepository {
  constructor(@Inject(IDENTITY_POOL) private readonly pool: Pool) {}

  async findByUsername(username: string): Promise<UserRecord | null> {
    const { rows } = await this.pool.query<UserRow>('SELECT * FROM identity.users WHERE username = $1', [username]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async findById(id: string): Promise<UserRecord | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const { rows } = await this.pool.query<UserRow>('SELECT * FROM identity.users WHERE id = $1', [id]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async list(): Promise<UserRecord[]> {
    const { rows } = await this.pool.query<UserRow>('SELECT * FROM identity.users ORDER BY username');
    return rows.map(toUser);
  }

  /** False when the username is taken. */
  async insert(user: Omit<UserRecord, 'failedAttempts' | 'lockedUntil' | 'disabledAt' | 'createdAt' | 'totpLastStep'>): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO identity.users (id, username, role, regions, organisation, password_hash, totp_secret)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (username) DO NOTHING`,
      [user.id, user.username, user.role, user.regions, user.organisation, user.passwordHash, user.totpSecret],
    );
    return (rowCount ?? 0) > 0;
  }

  async setTotp(id: string, secret: EncryptedValue | null): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE identity.users SET totp_secret = $2, totp_last_step = NULL, updated_at = now() WHERE id = $1',
      [id, secret],
    );
    return (rowCount ?? 0) > 0;
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.pool.query('UPDATE identity.users SET password_hash = $2, updated_at = now() WHERE id = $1', [id, passwordHash]);
  }

  async setDisabled(id: string, disabledAt: Date | null): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE identity.users SET disabled_at = $2, failed_attempts = 0, locked_until = NULL, updated_at = now() WHERE id = $1`,
      [id, disabledAt],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Consumes a TOTP step: false when that step (or a later one) was already used, so a code works once. */
  async consumeTotpStep(id: string, step: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE identity.users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)`,
      [id, step],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Counts a failure; at the limit, locks and starts counting again. Returns the lock, if any. */
  async recordFailure(id: string, now: Date, maxFailures: number, lockSeconds: number): Promise<Date | null> {
    const { rows } = await this.pool.query<{ locked_until: Date | null }>(
      `UPDATE identity.users
          SET failed_attempts = CASE WHEN failed_attempts + 1 >= $3 THEN 0 ELSE failed_attempts + 1 END,
              locked_until    = CASE WHEN failed_attempts + 1 >= $3 THEN $2::timestamptz + make_interval(secs => $4) ELSE locked_until END
        WHERE id = $1 RETURNING locked_until`,
      [id, now, maxFailures, lockSeconds],
    );
    const until = rows[0]?.locked_until ?? null;
    return until && until > now ? until : null;
  }

  async recordSuccess(id: string): Promise<void> {
    await this.pool.query('UPDATE identity.users SET failed_attempts = 0, locked_until = NULL WHERE id = $1 AND (failed_attempts > 0 OR locked_until IS NOT NULL)', [id]);
  }

  async throttleOf(username: string): Promise<Throttle> {
    const { rows } = await this.pool.query<{ failed_attempts: number; locked_until: Date | null }>(
      'SELECT failed_attempts, locked_until FROM identity.login_throttle WHERE username = $1',
      [username],
    );
    return { failedAttempts: rows[0]?.failed_attempts ?? 0, lockedUntil: rows[0]?.locked_until ?? null };
  }

  /** The same counting for usernames that do not exist, so they cannot be told apart. */
  async recordUnknownFailure(username: string, now: Date, maxFailures: number, lockSeconds: number): Promise<Date | null> {
    const { rows } = await this.pool.query<{ locked_until: Date | null }>(
      `INSERT INTO identity.login_throttle AS t (username, failed_attempts, locked_until, updated_at)
       VALUES ($1, CASE WHEN 1 >= $3 THEN 0 ELSE 1 END, CASE WHEN 1 >= $3 THEN $2::timestamptz + make_interval(secs => $4) END, $2)
       ON CONFLICT (username) DO UPDATE
          SET failed_attempts = CASE WHEN t.failed_attempts + 1 >= $3 THEN 0 ELSE t.failed_attempts + 1 END,
              locked_until    = CASE WHEN t.failed_attempts + 1 >= $3 THEN $2::timestamptz + make_interval(secs => $4) ELSE t.locked_until END,
              updated_at      = $2
       RETURNING locked_until`,
      [username, now, maxFailures, lockSeconds],
    );
    const until = rows[0]?.locked_until ?? null;
    return until && until > now ? until : null;
  }
}
