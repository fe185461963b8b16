import { assessUrgency, type CaseState, restoreCaseState, type StoredCaseState, urgencyReviewAt } from '@beacon/case-domain';
import { withTransaction, type Pool } from '@beacon/persistence';
import { tableOf, type ReadModelVersionsRepository } from '../read-models/read-model-versions.repository';
import { type ReadModelRepository } from '../read-models/read-model.repository';
import { countDeltas, countKeyOf } from '../read-models/read-model.rows';

/**
 * Urgency depends on the clock (ill-treatment in the last 7 days, a hearing within 72 h), so a
 * stored urgency goes stale without new events. Each case stores when its assessment can next
 * change; this re-assesses only the cases whose time has come. Rows locked by a batch are skipped
 * and picked up next round; several instances share the work.
 */
export class UrgencyReview {
  constructor(
    private readonly pool: Pool,
    private readonly versions: ReadModelVersionsRepository,
    private readonly readModels: ReadModelRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Re-assesses every due case; returns how many changed urgency or reasons. */
  async reviewDue(batchSize = 500): Promise<number> {
    let changed = 0;
    for (;;) {
      const { reviewed, changed: n } = await this.reviewBatch(batchSize);
      changed += n;
      if (reviewed < batchSize) return changed;
    }
  }

  private reviewBatch(limit: number): Promise<{ reviewed: number; changed: number }> {
    return withTransaction(this.pool, async (client) => {
      await this.versions.enterFence(client);
      const version = await this.versions.active(client);
      const now = this.clock();
      const { rows } = await client.query<{
        case_id: string;
        state: StoredCaseState | CaseState;
        region: string | null;
        urgency: string;
        urgency_reasons: string[];
        custody: string;
        closed: boolean;
        last_partition: number;
      }>(
        `SELECT case_id, state, region, urgency, urgency_reasons, custody, closed, last_partition
         FROM ${tableOf('cases', version)} WHERE urgency_review_at <= $1
         ORDER BY case_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, limit],
      );
      if (rows.length === 0) return { reviewed: 0, changed: 0 };
      const updates = rows.map((row) => {
        const state = restoreCaseState(row.case_id, row.state);
        const assessed = assessUrgency(state, now);
        const changed = assessed.urgency !== row.urgency || assessed.reasons.join(',') !== row.urgency_reasons.join(',');
        return {
          row,
          changed,
          update: {
            case_id: row.case_id,
            urgency: assessed.urgency,
            urgency_reasons: assessed.reasons,
            urgency_review_at: urgencyReviewAt(state, now)?.toISOString() ?? null,
            changed,
          },
        };
      });
      await client.query(
        `UPDATE ${tableOf('cases', version)} c SET urgency = u.urgency, urgency_reasons = u.urgency_reasons,
           urgency_review_at = u.urgency_review_at, updated_at = CASE WHEN u.changed THEN $2 ELSE c.updated_at END
         FROM json_to_recordset($1::json) AS u(case_id uuid, urgency text, urgency_reasons text[],
           urgency_review_at timestamptz, changed boolean)
         WHERE c.case_id = u.case_id`,
        [JSON.stringify(updates.map((u) => u.update)), now],
      );
      await this.readModels.addCounts(
        client,
        version,
        countDeltas(
          updates.map(({ row, update }) => ({
            before: countKeyOf(row),
            after: countKeyOf({ ...row, urgency: update.urgency }),
          })),
        ),
      );
      return { reviewed: rows.length, changed: updates.filter((u) => u.changed).length };
    });
  }
}
