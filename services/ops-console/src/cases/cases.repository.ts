import { Inject, Injectable } from '@nestjs/common';
import { type Pool } from 'pg';

export const CONSOLE_POOL = Symbol('CONSOLE_POOL');

export interface CaseRow {
  case_id: string;
  incident_id: string | null;
  region: string | null;
  custody: string;
  location_status: string;
  access: string;
  removal_risk: string;
  closed: boolean;
  urgency: string;
  urgency_reasons: string[];
  opened_at: Date | null;
  last_occurred_at: Date | null;
  updated_at: Date;
  event_count: number;
}

export interface TimelineRow {
  event_id: string;
  event_type: string;
  event_name: string;
  occurred_at: Date;
  recorded_at: Date;
  summary: string;
}

/** Reads the case read models that case-projector writes. */
@Injectable()
export class CasesRepository {
  constructor(@Inject(CONSOLE_POOL) private readonly pool: Pool) {}

  async findCase(caseId: string): Promise<CaseRow | null> {
    const { rows } = await this.pool.query<CaseRow>(
      `SELECT case_id, incident_id, region, custody, location_status, access, removal_risk, closed, urgency,
              urgency_reasons, opened_at, last_occurred_at, updated_at, event_count
       FROM projection.cases WHERE case_id = $1`,
      [caseId],
    );
    return rows[0] ?? null;
  }

  async timeline(caseId: string): Promise<TimelineRow[]> {
    const { rows } = await this.pool.query<TimelineRow>(
      `SELECT event_id, event_type, event_name, occurred_at, recorded_at, summary FROM projection.case_timeline
       WHERE case_id = $1 ORDER BY occurred_at, recorded_at, event_id`,
      [caseId],
    );
    return rows;
  }
}
