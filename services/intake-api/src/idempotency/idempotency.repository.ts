import { ProblemException } from '@beacon/http';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { type Pool } from 'pg';
import { INTAKE_CONFIG, type IntakeConfig } from '../intake.config';
import { INTAKE_POOL } from '../intake.tokens';

/** An Idempotency-Key another request has taken, as found in the database. */
export interface PriorClaim {
  state: 'in-flight' | 'done';
  requestHash: string;
  response: unknown;
  retryAfter: number;
}

export type Claim =
  | { kind: 'claimed'; hotlineId: string; key: string; token: string }
  | { kind: 'replay'; response: unknown };

/**
 * Idempotency-Key handling in three steps: claim the key in its own short statement (usually
 * inside ReportsRepository.prepare, with `claim` here as the fallback), do the work, and complete
 * the claim inside the work's statement (ReportsRepository.write, so the answer is stored exactly
 * when the events are). A claim whose request died expires and can be taken over; the superseded
 * request then writes nothing.
 */
export function claimSuperseded(): ProblemException {
  return new ProblemException(
    409,
    'idempotency-in-flight',
    'Request superseded',
    'This request took too long and a retry with the same Idempotency-Key took over; nothing was written by this one.',
    {},
    { 'retry-after': '1' },
  );
}

@Injectable()
export class IdempotencyRepository {
  constructor(
    @Inject(INTAKE_POOL) private readonly pool: Pool,
    @Inject(INTAKE_CONFIG) private readonly config: IntakeConfig,
  ) {}

  /** How long a claim holds before a retry may take it over. */
  get claimSeconds(): number {
    return this.config.IDEMPOTENCY_CLAIM_SECONDS;
  }

  async claim(hotlineId: string, key: string, requestHash: string): Promise<Claim> {
    // A row can vanish between the two statements (a failed request releases its claim): try again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const token = randomUUID();
      const { rows: claimed } = await this.pool.query<{ claim_token: string }>({
        name: 'intake-claim',
        text: `INSERT INTO intake.idempotency_keys (hotline_id, key, request_hash, state, claim_token, claimed_until)
         VALUES ($1, $2, $3, 'in-flight', $4, now() + make_interval(secs => $5))
         ON CONFLICT (hotline_id, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, claim_token = EXCLUDED.claim_token,
               claimed_until = EXCLUDED.claimed_until, created_at = now()
           WHERE intake.idempotency_keys.state = 'in-flight' AND intake.idempotency_keys.claimed_until < now()
         RETURNING claim_token`,
        values: [hotlineId, key, requestHash, token, this.config.IDEMPOTENCY_CLAIM_SECONDS],
      });
      if (claimed[0]?.claim_token === token) return { kind: 'claimed', hotlineId, key, token };

      const { rows } = await this.pool.query<{
        state: 'in-flight' | 'done';
        request_hash: string;
        response: unknown;
        retry_after: number;
      }>({
        name: 'intake-claim-existing',
        text: `SELECT state, request_hash, response,
                GREATEST(1, CEIL(EXTRACT(EPOCH FROM claimed_until - now())))::int AS retry_after
           FROM intake.idempotency_keys WHERE hotline_id = $1 AND key = $2`,
        values: [hotlineId, key],
      });
      const row = rows[0];
      if (!row) continue;
      return this.judge(
        {
          state: row.state,
          requestHash: row.request_hash,
          response: row.response,
          retryAfter: row.retry_after,
        },
        requestHash,
      );
    }
    throw new ProblemException(
      409,
      'idempotency-in-flight',
      'Request in progress',
      'Retry shortly.',
      {},
      { 'retry-after': '1' },
    );
  }

  /**
   * A key another request holds: its answer for a replay of the same body; 422 for another body;
   * 409 with Retry-After while the first request is still in flight.
   */
  judge(prior: PriorClaim, requestHash: string): Claim {
    if (prior.requestHash !== requestHash) {
      throw new ProblemException(
        422,
        'idempotency-key-reused',
        'Idempotency-Key reused',
        'This Idempotency-Key was already used for a different request body. Use a new key for a new report.',
        {
          'invalid-params': [
            { name: 'Idempotency-Key', reason: 'already used for a different request body' },
          ],
        },
      );
    }
    if (prior.state === 'done') return { kind: 'replay', response: prior.response };
    throw new ProblemException(
      409,
      'idempotency-in-flight',
      'Request in progress',
      'A request with this Idempotency-Key is still being processed. Retry after the delay to get its answer.',
      {},
      { 'retry-after': String(Math.min(prior.retryAfter, this.config.IDEMPOTENCY_CLAIM_SECONDS)) },
    );
  }

  /** After a failed request: the key is free again, so a corrected retry may use it. */
  async release(claim: Extract<Claim, { kind: 'claimed' }>): Promise<void> {
    await this.pool.query(
      `DELETE FROM intake.idempotency_keys WHERE hotline_id = $1 AND key = $2 AND claim_token = $3 AND state = 'in-flight'`,
      [claim.hotlineId, claim.key, claim.token],
    );
  }

  /** Forgets answers older than the retention, and claims abandoned for more than an hour. */
  async purge(): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM intake.idempotency_keys
        WHERE (state = 'done' AND created_at < now() - make_interval(hours => $1))
           OR (state = 'in-flight' AND claimed_until < now() - interval '1 hour')`,
      [this.config.IDEMPOTENCY_RETENTION_HOURS],
    );
    return rowCount ?? 0;
  }
}
