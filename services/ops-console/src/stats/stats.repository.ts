import { Inject, Injectable } from '@nestjs/common';
import { type Pool } from 'pg';
import { CONSOLE_POOL } from '../cases/cases.repository';

export interface CountRow {
  region: string | null;
  urgency: string;
  custody: string;
  closed: boolean;
  cases: number;
}

/** Dashboard counts, kept by the projector as it writes cases (no scan of the cases table). */
@Injectable()
export class StatsRepository {
  constructor(@Inject(CONSOLE_POOL) private readonly pool: Pool) {}

  async counts(): Promise<CountRow[]> {
    const { rows } = await this.pool.query<CountRow>(
      `SELECT region, urgency, custody, closed, cases FROM projection.case_counts ORDER BY region NULLS LAST, urgency, custody, closed`,
    );
    return rows;
  }
}
