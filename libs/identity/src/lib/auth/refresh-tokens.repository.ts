import { Inject, Injectable } from '@nestjs/common';
import { type Pool } from 'pg';
import { IDENTITY_POOL } from '../identity.options';

export interface RefreshTokenRow {
  familyId: string;
  userId: string;
  amr: string[];
  expiresAt: Date;
  familyExpiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

@Injectable()
export class RefreshTokensRepository {
  constructor(@Inject(IDENTITY_POOL) private readonly pool: Pool) {}

  async insert(tokenHash: string, row: Omit<RefreshTokenRow, 'usedAt' | 'revokedAt'>, issuedAt: Date): Promise<void> {
    await this.pool.query(
      `INSERT INTO identity.refresh_tokens (token_hash, family_id, user_id, amr, issued_at, expires_at, family_expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [tokenHash, row.familyId, row.userId, row.amr, issuedAt, row.expiresAt, row.familyExpiresAt],
    );
  }

  async find(tokenHash: string): Promise<RefreshTokenRow | null> {
    const { rows } = await this.pool.query<{
      family_id: string;
      user_id: string;
      amr: string[];
      expires_at: Date;
      family_expires_at: Date;
      used_at: Date | null;
      revoked_at: Date | null;
    }>('SELECT * FROM identity.refresh_tokens WHERE token_hash = $1', [tokenHash]);
    const row = rows[0];
    return row
      ? {
          familyId: row.family_id,
          userId: row.user_id,
          amr: row.amr,
          expiresAt: row.expires_at,
          familyExpiresAt: row.family_expires_at,
          usedAt: row.used_at,
          revokedAt: row.revoked_at,
        }
      : null;
  }

  /** Marks a token used; false if it already was (a concurrent or repeated use: reuse). */
  async markUsed(tokenHash: string, now: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE identity.refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL',
      [tokenHash, now],
    );
    return (rowCount ?? 0) > 0;
  }

  async revokeFamily(familyId: string, now: Date): Promise<void> {
    await this.pool.query('UPDATE identity.refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL', [familyId, now]);
  }

  async revokeUser(userId: string, now: Date): Promise<void> {
    await this.pool.query('UPDATE identity.refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [userId, now]);
  }

  /** Housekeeping: ended sessions are of no use to anyone. */
  async purgeEnded(before: Date): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM identity.refresh_tokens WHERE family_expires_at < $1', [before]);
    return rowCount ?? 0;
  }
}
