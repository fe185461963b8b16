import { Inject, Injectable } from '@nestjs/common';
import { type Pool } from 'pg';
import { type CaseRow, CONSOLE_POOL } from '../cases/cases.repository';

/** The case read model, read for what changed recently (the same view GET /v1/cases reads). */
@Injectable()
export class LiveFeedRepository {
  constructor(@Inject(CONSOLE_POOL) private readonly pool: Pool) {}

  async now(): Promise<Date> {
    const { rows } = await this.pool.query<{ now: Date }>('SELECT now() AS now');
    return rows[0]?.now ?? new Date();
  }

  async casesChangedSince(since: Date, limit: number): Promise<CaseRow[]> {
    const { rows } = await this.pool.query<CaseRow>(
      `SELECT case_id, incident_id, person_ref, region, custody, location_status, access, removal_risk, closed,
              urgency, urgency_reasons, opened_at, last_occurred_at, updated_at, event_count
         FROM projection.cases WHERE updated_at > $1 ORDER BY updated_at, case_id LIMIT $2`,
      [since, limit],
    );
    return rows;
  }
}
