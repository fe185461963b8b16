import { type EventCode } from '@beacon/alerting-domain';
import { type PoolClient } from '@beacon/persistence';
import { type Urgency } from '@beacon/events';
import { Injectable } from '@nestjs/common';
import { named } from '../statements';

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

/** Candidates per alert, and how many of them are four digits. */
const ACK_CODE_ATTEMPTS = 40;
const SHORT_ACK_CODE_ATTEMPTS = 20;

/** The dispatcher's alerts: one open alert per case and rule, with the code an SMS reply quotes. */
@Injectable()
export class AlertsRepository {
  async openForCases(
    client: PoolClient,
    caseIds: readonly string[],
  ): Promise<Map<string, AlertRow>> {
    const { rows } = await client.query<AlertRow>({
      ...named(
        `SELECT ${COLUMNS} FROM alerting.alerts WHERE case_id = ANY($1::uuid[]) AND status = 'open'`,
      ),
      values: [caseIds],
    });
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

  /**
   * Inserts several alerts in one statement; returns the ids inserted. An alert whose dedup
   * key an open alert already holds (the rule already fired) is left out.
   */
  async insertMany(client: PoolClient, alerts: readonly AlertInsert[]): Promise<Set<string>> {
    if (alerts.length === 0) return new Set();
    const { rows } = await client.query<{ alert_id: string }>({
      ...named(
        `INSERT INTO alerting.alerts (alert_id, dedup_key, case_id, incident_id, region, rule, urgency, raised_at,
         ack_code, event_code, status, tier)
       SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[],
         $8::timestamptz[], $9::text[], $10::text[], $11::text[], $12::int[])
       ON CONFLICT (dedup_key) WHERE status = 'open' DO NOTHING
       RETURNING alert_id`,
      ),
      values: [
        alerts.map((a) => a.alert_id),
        alerts.map((a) => a.dedup_key),
        alerts.map((a) => a.case_id),
        alerts.map((a) => a.incident_id),
        alerts.map((a) => a.region),
        alerts.map((a) => a.rule),
        alerts.map((a) => a.urgency),
        alerts.map((a) => a.raised_at),
        alerts.map((a) => a.ack_code),
        alerts.map((a) => a.event_code),
        alerts.map((a) => a.status ?? 'open'),
        alerts.map((a) => a.tier ?? 0),
      ],
    });
    return new Set(rows.map((r) => r.alert_id));
  }

  /** False when an open alert with the same dedup key exists (the rule already fired). */
  async insert(client: PoolClient, alert: AlertInsert): Promise<boolean> {
    return (await this.insertMany(client, [alert])).has(alert.alert_id);
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
    const code = (await this.allocateAckCodes(client, [alertId])).get(alertId);
    if (!code) throw new Error('no free acknowledgement code');
    return code;
  }

  /**
   * A code for each of several new alerts in one round trip per pass. Each alert takes its
   * first candidate that no open alert holds and no concurrent transaction is taking (the
   * advisory lock lasts until commit); the scan of an alert's candidates stops at the first.
   * Candidates are computed where they are scanned: attempt n of alert a hashes `a:n` with
   * SHA-256, four digits from its first 32 bits for the first 20 attempts, six after.
   * Advisory locks are re-entrant within a transaction, so two alerts of one batch may land
   * on the same code: the later one takes another in a further pass.
   */
  async allocateAckCodes(
    client: PoolClient,
    alertIds: readonly string[],
  ): Promise<Map<string, string>> {
    const codes = new Map<string, string>();
    const chosen = new Set<string>();
    let pending = [...new Set(alertIds)];
    while (pending.length > 0) {
      const { rows } = await client.query<{ alert_id: string; code: string | null }>({
        ...named(
          `SELECT a.alert_id, (
           SELECT c.code
           FROM generate_series(0, ${ACK_CODE_ATTEMPTS - 1}) AS n(attempt),
             LATERAL (SELECT ('x' || left(encode(sha256(convert_to(a.alert_id || ':' || n.attempt, 'UTF8')), 'hex'), 8))
               ::bit(32)::bigint AS h) AS hashed,
             LATERAL (SELECT CASE WHEN n.attempt < ${SHORT_ACK_CODE_ATTEMPTS} THEN (1000 + hashed.h % 9000)::text
                                  ELSE (100000 + hashed.h % 900000)::text END AS code) AS c
           -- In this order, one index probe per candidate: free codes only are locked.
           WHERE CASE WHEN c.code = ANY($2::text[]) THEN false
                      WHEN (SELECT true FROM alerting.alerts x WHERE x.ack_code = c.code AND x.status = 'open' LIMIT 1)
                        THEN false
                      ELSE pg_try_advisory_xact_lock(hashtext('beacon-ack-code:' || c.code)) END
           LIMIT 1) AS code
         FROM UNNEST($1::text[]) AS a(alert_id)`,
        ),
        values: [pending, [...chosen]],
      });
      const again: string[] = [];
      for (const { alert_id: alertId, code } of rows) {
        if (code === null) throw new Error('no free acknowledgement code');
        if (chosen.has(code)) {
          again.push(alertId);
          continue;
        }
        chosen.add(code);
        codes.set(alertId, code);
      }
      pending = again;
    }
    return codes;
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
