import { type PoolClient } from '@beacon/persistence';
import { Injectable } from '@nestjs/common';
import { type Write } from '../statements';

export interface DueEscalation {
  alert_id: string;
  tier: number;
  due_at: Date;
}

/**
 * Escalation timers as rows: they outlive any process, and a due timer is claimed with
 * SKIP LOCKED and moved or deleted in the transaction that pages the next tier, so two
 * dispatchers never page it twice.
 */
@Injectable()
export class EscalationsRepository {
  async schedule(client: PoolClient, alertId: string, tier: number, dueAt: Date): Promise<void> {
    await client.query(
      `INSERT INTO alerting.escalations (alert_id, tier, due_at) VALUES ($1, $2, $3)
       ON CONFLICT (alert_id) DO UPDATE SET tier = EXCLUDED.tier, due_at = EXCLUDED.due_at`,
      [alertId, tier, dueAt],
    );
  }

  /** `schedule` for several alerts, each at most once, as one write. */
  scheduleManyWrite(
    timers: readonly { alertId: string; tier: number; dueAt: Date }[],
  ): Write | null {
    if (timers.length === 0) return null;
    return {
      sql: `INSERT INTO alerting.escalations (alert_id, tier, due_at)
            SELECT * FROM UNNEST($1::uuid[], $2::int[], $3::timestamptz[])
            ON CONFLICT (alert_id) DO UPDATE SET tier = EXCLUDED.tier, due_at = EXCLUDED.due_at`,
      params: [timers.map((t) => t.alertId), timers.map((t) => t.tier), timers.map((t) => t.dueAt)],
    };
  }

  async cancel(client: PoolClient, alertIds: readonly string[]): Promise<void> {
    if (alertIds.length === 0) return;
    await client.query(`DELETE FROM alerting.escalations WHERE alert_id = ANY($1::uuid[])`, [
      alertIds,
    ]);
  }

  async claimDue(client: PoolClient, now: Date, limit: number): Promise<DueEscalation[]> {
    const { rows } = await client.query<DueEscalation>(
      `SELECT alert_id, tier, due_at FROM alerting.escalations WHERE due_at <= $1
       ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    return rows;
  }
}
