import { type EventCode } from '@beacon/alerting-domain';
import { type PoolClient } from '@beacon/persistence';
import { type Urgency } from '@beacon/events';
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';

export interface AlertRow {
  alert_id: string;
  case_id: string;
  incident_id: string | null;
  region: string | null;
  rule: string;
  urgency: Urgency;
  status: 'open' | 'resolved' | 'superseded';
  tier: number;
  ack_code: string | null;
  event_code: EventCode | null;
  raised_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  acknowledged_via: string | null;
}

const COLUMNS = `alert_id, case_id, incident_id, region, rule, urgency, status, tier, ack_code, event_code,
  raised_at, acknowledged_at, acknowledged_by, acknowledged_via`;

export type AlertInsert = Pick<
  AlertRow,
  | 'alert_id'
  | 'case_id'
  | 'incident_id'
  | 'region'
  | 'rule'
  | 'urgency'
  | 'ack_code'
  | 'event_code'
  | 'raised_at'
> & { dedup_key: string; status?: AlertRow['status']; tier?: number };

/** One page of an alert: who was reached on which channel, and how it went (no address). */
export interface AlertPageRow {
  alert_id: string;
  recipient_id: string;
  channel: string;
  tier: number;
  kind: string;
  status: string;
  created_at: Date;
  sent_at: Date | null;
  delivered_at: Date | null;
}

/** The dispatcher's alerts: one open alert per case and rule, with the code an SMS reply quotes. */
@Injectable()
export class AlertsRepository {
  async openForCases(
    client: PoolClient,
    caseIds: readonly string[],
  ): Promise<Map<string, AlertRow>> {
    const { rows } = await client.query<AlertRow>(
      `SELECT ${COLUMNS} FROM alerting.alerts WHERE case_id = ANY($1::uuid[]) AND status = 'open'`,
      [caseIds],
    );
    return new Map(rows.map((row) => [row.case_id, row]));
  }

  async latestForCase(client: PoolClient, caseId: string): Promise<AlertRow | null> {
    const { rows } = await client.query<AlertRow>(
      `SELECT ${COLUMNS} FROM alerting.alerts WHERE case_id = $1 ORDER BY raised_at DESC LIMIT 1`,
      [caseId],
    );
    return rows[0] ?? null;
  }

  async find(client: PoolClient, alertId: string): Promise<AlertRow | null> {
    const { rows } = await client.query<AlertRow>(
      `SELECT ${COLUMNS} FROM alerting.alerts WHERE alert_id = $1`,
      [alertId],
    );
    return rows[0] ?? null;
  }

  async findOpenByAckCode(client: PoolClient, ackCode: string): Promise<AlertRow | null> {
    const { rows } = await client.query<AlertRow>(
      `SELECT ${COLUMNS} FROM alerting.alerts WHERE ack_code = $1 AND status = 'open'`,
      [ackCode],
    );
    return rows[0] ?? null;
  }

  /** The alert and the other open alerts of its incident, locked in a fixed order. */
  async lockWithIncident(client: PoolClient, alertId: string): Promise<AlertRow[]> {
    const { rows } = await client.query<AlertRow>(
      `SELECT ${COLUMNS} FROM alerting.alerts
       WHERE alert_id = $1
          OR (status = 'open' AND incident_id = (SELECT incident_id FROM alerting.alerts WHERE alert_id = $1))
       ORDER BY alert_id FOR UPDATE`,
      [alertId],
    );
    return rows;
  }

  /** False when an open alert with the same dedup key exists (the rule already fired). */
  async insert(client: PoolClient, alert: AlertInsert): Promise<boolean> {
    const { rowCount } = await client.query(
      `INSERT INTO alerting.alerts (alert_id, dedup_key, case_id, incident_id, region, rule, urgency, raised_at,
         ack_code, event_code, status, tier)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (dedup_key) WHERE status = 'open' DO NOTHING`,
      [
        alert.alert_id,
        alert.dedup_key,
        alert.case_id,
        alert.incident_id,
        alert.region,
        alert.rule,
        alert.urgency,
        alert.raised_at,
        alert.ack_code,
        alert.event_code,
        alert.status ?? 'open',
        alert.tier ?? 0,
      ],
    );
    return rowCount === 1;
  }

  /**
   * A rebuild replaying alert-raised: the row as it was when raised, keeping the code an
   * officer may already have been sent.
   */
  async restoreRaised(client: PoolClient, alert: AlertInsert): Promise<void> {
    await client.query(
      `INSERT INTO alerting.alerts (alert_id, dedup_key, case_id, incident_id, region, rule, urgency, raised_at,
         ack_code, event_code, status, tier)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', 0)
       ON CONFLICT (alert_id) DO UPDATE SET status = 'open', tier = 0, raised_at = EXCLUDED.raised_at,
         acknowledged_at = NULL, acknowledged_by = NULL, acknowledged_via = NULL, resolved_at = NULL,
         ack_code = COALESCE(alerts.ack_code, EXCLUDED.ack_code)`,
      [
        alert.alert_id,
        alert.dedup_key,
        alert.case_id,
        alert.incident_id,
        alert.region,
        alert.rule,
        alert.urgency,
        alert.raised_at,
        alert.ack_code,
        alert.event_code,
      ],
    );
  }

  /** A rise from high to critical replaces the open high alert; returns the replaced ids. */
  async supersedeOthers(
    client: PoolClient,
    caseId: string,
    keep: string,
    now: Date,
  ): Promise<string[]> {
    const { rows } = await client.query<{ alert_id: string }>(
      `UPDATE alerting.alerts SET status = 'superseded', resolved_at = $3
       WHERE case_id = $1 AND status = 'open' AND alert_id <> $2 RETURNING alert_id`,
      [caseId, keep, now],
    );
    return rows.map((r) => r.alert_id);
  }

  async close(client: PoolClient, alertIds: readonly string[], now: Date): Promise<string[]> {
    const { rows } = await client.query<{ alert_id: string }>(
      `UPDATE alerting.alerts SET status = 'resolved', resolved_at = $2
       WHERE alert_id = ANY($1::uuid[]) AND status = 'open' RETURNING alert_id`,
      [alertIds, now],
    );
    return rows.map((r) => r.alert_id);
  }

  async acknowledge(
    client: PoolClient,
    alertIds: readonly string[],
    by: string,
    via: string,
    now: Date,
  ): Promise<void> {
    await client.query(
      `UPDATE alerting.alerts SET acknowledged_at = $2, acknowledged_by = $3, acknowledged_via = $4
       WHERE alert_id = ANY($1::uuid[]) AND acknowledged_at IS NULL`,
      [alertIds, now, by, via],
    );
  }

  async setTier(client: PoolClient, alertId: string, tier: number): Promise<void> {
    await client.query(`UPDATE alerting.alerts SET tier = GREATEST(tier, $2) WHERE alert_id = $1`, [
      alertId,
      tier,
    ]);
  }

  /**
   * Four digits while they last, unique among open alerts (the index enforces it; this only
   * avoids tripping it). The sender's phone narrows a reply further, so short codes suffice.
   * Derived from the alert id, so a rebuild that replays the same alerts gives the same codes.
   */
  async allocateAckCode(client: PoolClient, alertId: string): Promise<string> {
    const candidates = Array.from({ length: 40 }, (_, attempt) => {
      const n = createHash('sha256').update(`${alertId}:${attempt}`).digest().readUInt32BE(0);
      return attempt < 20 ? String(1_000 + (n % 9_000)) : String(100_000 + (n % 900_000));
    });
    // The first candidate that no open alert holds and no concurrent transaction is taking
    // (the advisory lock lasts until commit), in one round trip; the scan stops at the first.
    const { rows } = await client.query<{ code: string }>(
      `SELECT c.code FROM UNNEST($1::text[]) AS c(code)
       WHERE NOT EXISTS (SELECT 1 FROM alerting.alerts a WHERE a.ack_code = c.code AND a.status = 'open')
         AND pg_try_advisory_xact_lock(hashtext('beacon-ack-code:' || c.code))
       LIMIT 1`,
      [candidates],
    );
    const code = rows[0]?.code;
    if (!code) throw new Error('no free acknowledgement code');
    return code;
  }

  async list(
    client: PoolClient | { query: PoolClient['query'] },
    filter: { status?: AlertRow['status']; limit: number },
  ): Promise<AlertRow[]> {
    const { rows } = await client.query<AlertRow>(
      `SELECT ${COLUMNS} FROM alerting.alerts WHERE ($1::text IS NULL OR status = $1)
       ORDER BY raised_at DESC LIMIT $2`,
      [filter.status ?? null, filter.limit],
    );
    return rows;
  }

  /** The pages sent for these alerts, oldest first; addresses stay in the table. */
  async pagesOf(
    client: PoolClient | { query: PoolClient['query'] },
    alertIds: readonly string[],
  ): Promise<AlertPageRow[]> {
    if (alertIds.length === 0) return [];
    const { rows } = await client.query<AlertPageRow>(
      `SELECT alert_id, recipient_id, channel, tier, kind, status, created_at, sent_at, delivered_at
         FROM alerting.notifications WHERE alert_id = ANY($1::uuid[])
        ORDER BY created_at, recipient_id, channel`,
      [alertIds],
    );
    return rows;
  }

  /** When each alert escalates next unless acknowledged (alerts on their last tier have none). */
  async deadlinesOf(
    client: PoolClient | { query: PoolClient['query'] },
    alertIds: readonly string[],
  ): Promise<Map<string, Date>> {
    if (alertIds.length === 0) return new Map();
    const { rows } = await client.query<{ alert_id: string; due_at: Date }>(
      `SELECT alert_id, due_at FROM alerting.escalations WHERE alert_id = ANY($1::uuid[])`,
      [alertIds],
    );
    return new Map(rows.map((r) => [r.alert_id, r.due_at]));
  }
}
