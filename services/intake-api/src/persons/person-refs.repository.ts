import { Inject, Injectable } from '@nestjs/common';
import { type Pool } from 'pg';
import { INTAKE_POOL } from '../intake.tokens';

export interface PersonCase {
  caseId: string;
  region: string;
}

/** The cases a person reference stands in, as intake recorded them when it wrote the reports. */
@Injectable()
export class PersonRefsRepository {
  constructor(@Inject(INTAKE_POOL) private readonly pool: Pool) {}

  async casesOf(personRef: string): Promise<PersonCase[]> {
    const { rows } = await this.pool.query<{ case_id: string; region: string }>(
      'SELECT case_id, region FROM intake.person_refs WHERE person_ref = $1 ORDER BY first_reported_at, case_id',
      [personRef],
    );
    return rows.map((r) => ({ caseId: r.case_id, region: r.region }));
  }
}
