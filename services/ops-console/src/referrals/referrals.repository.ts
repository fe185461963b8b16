import { type Field, type Referral } from '@beacon/access-policy';
import { Inject, Injectable } from '@nestjs/common';
import { type Pool, type PoolClient } from 'pg';
import { CONSOLE_POOL } from '../cases/cases.repository';

/** Which legal-aid organisation each case is referred to, and which fields the referral covers. */
@Injectable()
export class ReferralsRepository {
  constructor(@Inject(CONSOLE_POOL) private readonly pool: Pool) {}

  async ofCases(caseIds: readonly string[]): Promise<Map<string, Referral[]>> {
    const result = new Map<string, Referral[]>(caseIds.map((id) => [id, []]));
    if (caseIds.length === 0) return result;
    const { rows } = await this.pool.query<{
      case_id: string;
      organisation: string;
      fields: Field[];
    }>(
      'SELECT case_id, organisation, fields FROM console.referrals WHERE case_id = ANY($1::uuid[])',
      [[...caseIds]],
    );
    for (const row of rows)
      result.get(row.case_id)?.push({ organisation: row.organisation, fields: row.fields });
    return result;
  }

  async of(caseId: string): Promise<Referral[]> {
    return (await this.ofCases([caseId])).get(caseId) ?? [];
  }

  /** The cases referred to an organisation: a lawyer's whole world in the console. */
  async casesReferredTo(organisation: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ case_id: string }>(
      'SELECT case_id FROM console.referrals WHERE organisation = $1',
      [organisation],
    );
    return rows.map((r) => r.case_id);
  }

  /** Creates or replaces the referral of a case to an organisation, in the caller's transaction. */
  async upsert(client: PoolClient, caseId: string, referral: Referral, by: string): Promise<void> {
    await client.query(
      `INSERT INTO console.referrals (case_id, organisation, fields, referred_by)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (case_id, organisation) DO UPDATE SET fields = EXCLUDED.fields, referred_by = EXCLUDED.referred_by, referred_at = now()`,
      [caseId, referral.organisation, referral.fields, by],
    );
  }
}
