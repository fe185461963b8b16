import { hashToken } from '@beacon/security';
import { Inject, Injectable } from '@nestjs/common';
import { type Pool } from 'pg';
import { IDENTITY_POOL } from '../identity.options';

/** Pending authorisation-code logins, kept server-side so any instance can finish them. */
@Injectable()
export class OidcLoginsRepository {
  constructor(@Inject(IDENTITY_POOL) private readonly pool: Pool) {}

  async save(state: string, codeVerifier: string, nonce: string, expiresAt: Date): Promise<void> {
    await this.pool.query('INSERT INTO identity.oidc_logins (state_hash, code_verifier, nonce, expires_at) VALUES ($1, $2, $3, $4)', [
      hashToken(state),
      codeVerifier,
      nonce,
      expiresAt,
    ]);
  }

  /** Takes a pending login once; a replayed or expired state finds nothing. */
  async take(state: string, now: Date): Promise<{ codeVerifier: string; nonce: string } | null> {
    const { rows } = await this.pool.query<{ code_verifier: string; nonce: string; expires_at: Date }>(
      'DELETE FROM identity.oidc_logins WHERE state_hash = $1 RETURNING code_verifier, nonce, expires_at',
      [hashToken(state)],
    );
    await this.pool.query('DELETE FROM identity.oidc_logins WHERE expires_at < $1', [now]);
    const row = rows[0];
    return row && row.expires_at > now ? { codeVerifier: row.code_verifier, nonce: row.nonce } : null;
  }
}
