import { hashApiKey } from '@beacon/security';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { type Pool } from 'pg';
import { INTAKE_POOL } from '../intake.tokens';

export interface HotlinePrincipal {
  hotlineId: string;
  keyId: string;
  /** '*' means every region / event type. */
  regions: readonly string[];
  eventTypes: readonly string[];
}

@Injectable()
export class HotlineKeysRepository {
  constructor(@Inject(INTAKE_POOL) private readonly pool: Pool) {}

  async findActive(apiKey: string): Promise<HotlinePrincipal | null> {
    const { rows } = await this.pool.query<{
      id: string;
      hotline_id: string;
      regions: string[];
      event_types: string[];
    }>(
      `SELECT id, hotline_id, regions, event_types FROM intake.hotline_keys
       WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hashApiKey(apiKey)],
    );
    const row = rows[0];
    return row
      ? { hotlineId: row.hotline_id, keyId: row.id, regions: row.regions, eventTypes: row.event_types }
      : null;
  }

  async register(apiKey: string, hotlineId: string, regions: string[], eventTypes: string[]): Promise<void> {
    await this.pool.query(
      `INSERT INTO intake.hotline_keys (id, hotline_id, key_hash, regions, event_types)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key_hash) DO NOTHING`,
      [randomUUID(), hotlineId, hashApiKey(apiKey), regions, eventTypes],
    );
  }
}
