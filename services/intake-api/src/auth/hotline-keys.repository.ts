import { withTransaction } from '@beacon/persistence';
import { generateApiKey, hashApiKey } from '@beacon/security';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { type Pool } from 'pg';
import { INTAKE_CONFIG, type IntakeConfig } from '../intake.config';
import { INTAKE_POOL } from '../intake.tokens';

export interface HotlinePrincipal {
  hotlineId: string;
  keyId: string;
  /** '*' means every region / event type. */
  regions: readonly string[];
  eventTypes: readonly string[];
}

export interface HotlineKeyRecord extends HotlinePrincipal {
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Two active keys per hotline: the one in use and its replacement while it is rolled out. */
export const MAX_ACTIVE_KEYS = 2;

export class TooManyActiveKeysError extends Error {
  override readonly name = 'TooManyActiveKeysError';

  constructor(
    readonly hotlineId: string,
    readonly activeKeyIds: readonly string[],
  ) {
    super(
      `hotline ${hotlineId} already has ${activeKeyIds.length} active keys (${activeKeyIds.join(', ')}); ` +
        `revoke one first with \`beacon keys revoke <keyId>\``,
    );
  }
}

interface KeyRow {
  id: string;
  hotline_id: string;
  regions: string[];
  event_types: string[];
  label: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

const principal = (row: KeyRow): HotlinePrincipal => ({
  hotlineId: row.hotline_id,
  keyId: row.id,
  regions: row.regions,
  eventTypes: row.event_types,
});

/**
 * Keys are stored as SHA-256 digests only. A key is 256 random bits, so its digest needs no
 * salt or stretching, and looking it up by digest compares digests, never the key itself.
 */
@Injectable()
export class HotlineKeysRepository {
  private readonly cache = new Map<string, { principal: HotlinePrincipal | null; until: number }>();

  constructor(
    @Inject(INTAKE_POOL) private readonly pool: Pool,
    @Inject(INTAKE_CONFIG) private readonly config: IntakeConfig,
  ) {}

  async findActive(apiKey: string): Promise<HotlinePrincipal | null> {
    const digest = hashApiKey(apiKey);
    const now = Date.now();
    const cached = this.cache.get(digest);
    if (cached && cached.until > now) return cached.principal;
    const { rows } = await this.pool.query<KeyRow>({
      name: 'intake-key',
      text: `SELECT id, hotline_id, regions, event_types, label, created_at, revoked_at FROM intake.hotline_keys
        WHERE key_hash = $1 AND revoked_at IS NULL`,
      values: [digest],
    });
    const found = rows[0] ? principal(rows[0]) : null;
    if (this.config.HOTLINE_KEY_CACHE_MS > 0) {
      // Bounded: unknown keys are cached too (a flood of bad keys must not hit the database).
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(digest, { principal: found, until: now + this.config.HOTLINE_KEY_CACHE_MS });
    }
    return found;
  }

  /** Issues a new key and returns it; only its digest is stored, so this is the one time it is seen. */
  async issue(
    hotlineId: string,
    regions: string[],
    eventTypes: string[],
    label: string | null,
  ): Promise<{ keyId: string; apiKey: string }> {
    const keyId = randomUUID();
    const apiKey = generateApiKey('bk');
    await withTransaction(this.pool, async (client) => {
      // Serialises issuers of one hotline so two concurrent issues cannot both pass the count.
      await client.query(
        `SELECT pg_advisory_xact_lock(hashtext('intake.hotline_keys'), hashtext($1))`,
        [hotlineId],
      );
      const { rows } = await client.query<{ id: string }>(
        `SELECT id FROM intake.hotline_keys WHERE hotline_id = $1 AND revoked_at IS NULL ORDER BY created_at`,
        [hotlineId],
      );
      if (rows.length >= MAX_ACTIVE_KEYS)
        throw new TooManyActiveKeysError(
          hotlineId,
          rows.map((r) => r.id),
        );
      await client.query(
        `INSERT INTO intake.hotline_keys (id, hotline_id, key_hash, regions, event_types, label) VALUES ($1, $2, $3, $4, $5, $6)`,
        [keyId, hotlineId, hashApiKey(apiKey), regions, eventTypes, label],
      );
    });
    return { keyId, apiKey };
  }

  async list(hotlineId?: string): Promise<HotlineKeyRecord[]> {
    const { rows } = await this.pool.query<KeyRow>(
      `SELECT id, hotline_id, regions, event_types, label, created_at, revoked_at FROM intake.hotline_keys
        WHERE $1::text IS NULL OR hotline_id = $1 ORDER BY hotline_id, created_at`,
      [hotlineId ?? null],
    );
    return rows.map((row) => ({
      ...principal(row),
      label: row.label,
      createdAt: row.created_at,
      revokedAt: row.revoked_at,
    }));
  }

  /** Returns false if there is no such active key. */
  async revoke(keyId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE intake.hotline_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
      [keyId],
    );
    return rowCount === 1;
  }

  /** The development key of DEV_API_KEY; it is exempt from the two-key rule, being one fixed key. */
  async registerDevelopmentKey(
    apiKey: string,
    hotlineId: string,
    regions: string[],
    eventTypes: string[],
  ): Promise<void> {
    await this.pool.query(
      `INSERT INTO intake.hotline_keys (id, hotline_id, key_hash, regions, event_types, label)
       VALUES ($1, $2, $3, $4, $5, 'DEV_API_KEY') ON CONFLICT (key_hash) DO NOTHING`,
      [randomUUID(), hotlineId, hashApiKey(apiKey), regions, eventTypes],
    );
  }
}
