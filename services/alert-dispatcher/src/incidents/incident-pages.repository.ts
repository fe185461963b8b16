import {
  type IncidentNotifyState,
  type Recipient,
  type DeliveryMode,
} from '@beacon/alerting-domain';
import { type PoolClient } from '@beacon/persistence';
import { Injectable } from '@nestjs/common';
import { named, type Write } from '../statements';

/** Who a held update goes to, kept with the row until its flush time. */
export interface HeldRecipient {
  recipient: Recipient;
  delivery: DeliveryMode;
  tier: number;
}

export interface IncidentPageKey {
  incidentId: string;
  recipientId: string;
  purpose: string;
}

/** One string per incident, recipient and purpose (ids as Postgres prints them). */
export function incidentPageKey(key: IncidentPageKey): string {
  return `${key.incidentId.toLowerCase()}|${key.recipientId}|${key.purpose}`;
}

export interface IncidentPageSave {
  key: IncidentPageKey & { alertId: string };
  state: IncidentNotifyState;
  held: HeldRecipient | null;
}

export interface IncidentPageRow {
  incident_id: string;
  recipient_id: string;
  purpose: string;
  state: IncidentNotifyState;
  recipient: HeldRecipient | null;
}

/**
 * Per incident, recipient and purpose ('page:0' for the first page, 'page:N' for escalation
 * tier N): when the latest page went, which cases it covered, and the update still held.
 */
@Injectable()
export class IncidentPagesRepository {
  /**
   * Serialises deciders of these incidents, recipients and purposes for the rest of the
   * transaction, taking the locks in one fixed order so that two deciders of overlapping
   * incidents cannot deadlock. Returns the rows that exist, by `incidentPageKey`.
   */
  async lockMany(
    client: PoolClient,
    keys: readonly IncidentPageKey[],
  ): Promise<Map<string, IncidentPageRow>> {
    if (keys.length === 0) return new Map();
    await client.query({
      ...named(
        `SELECT pg_advisory_xact_lock(hashtext(k)) FROM (SELECT DISTINCT unnest($1::text[]) AS k ORDER BY 1) keys`,
      ),
      values: [keys.map((k) => `incident:${k.incidentId}:${k.recipientId}:${k.purpose}`)],
    });
    // A statement of its own, so its snapshot includes what the locks' last holders committed.
    const { rows } = await client.query<IncidentPageRow>({
      ...named(
        `SELECT p.incident_id, p.recipient_id, p.purpose, p.state, p.recipient
       FROM alerting.incident_pages p
       JOIN (SELECT DISTINCT * FROM UNNEST($1::uuid[], $2::text[], $3::text[])) AS k(incident_id, recipient_id, purpose)
         USING (incident_id, recipient_id, purpose)`,
      ),
      values: [
        keys.map((k) => k.incidentId),
        keys.map((k) => k.recipientId),
        keys.map((k) => k.purpose),
      ],
    });
    return new Map(
      rows.map((row) => [
        incidentPageKey({
          incidentId: row.incident_id,
          recipientId: row.recipient_id,
          purpose: row.purpose,
        }),
        row,
      ]),
    );
  }

  /** The incident rows of a batch, each key at most once, as one write. */
  saveManyWrite(saves: readonly IncidentPageSave[]): Write | null {
    if (saves.length === 0) return null;
    // One JSON document for all the rows: states go in as they are, not quoted twice.
    const json = saves.map(({ key, state, held }) => ({
      i: key.incidentId,
      r: key.recipientId,
      p: key.purpose,
      a: key.alertId,
      s: state,
      h: held,
    }));
    return {
      sql: `INSERT INTO alerting.incident_pages (incident_id, recipient_id, purpose, alert_id, paged_at, state, flush_at,
              recipient)
            SELECT i, r, p, a, (s ->> 'pagedAt')::timestamptz, s, (s ->> 'flushAt')::timestamptz, h
            FROM jsonb_to_recordset($1::jsonb) AS u(i uuid, r text, p text, a uuid, s jsonb, h jsonb)
            ON CONFLICT (incident_id, recipient_id, purpose) DO UPDATE SET
              paged_at = EXCLUDED.paged_at, state = EXCLUDED.state, flush_at = EXCLUDED.flush_at,
              recipient = COALESCE(EXCLUDED.recipient, incident_pages.recipient)`,
      params: [JSON.stringify(json)],
    };
  }

  async claimDueUpdates(client: PoolClient, now: Date, limit: number): Promise<IncidentPageRow[]> {
    const { rows } = await client.query<IncidentPageRow>(
      `SELECT incident_id, recipient_id, purpose, state, recipient FROM alerting.incident_pages
       WHERE flush_at IS NOT NULL AND flush_at <= $1 ORDER BY flush_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    return rows;
  }

  async saveFlushed(
    client: PoolClient,
    row: IncidentPageRow,
    state: IncidentNotifyState,
  ): Promise<void> {
    await client.query(
      `UPDATE alerting.incident_pages SET state = $4, flush_at = $5
       WHERE incident_id = $1 AND recipient_id = $2 AND purpose = $3`,
      [row.incident_id, row.recipient_id, row.purpose, JSON.stringify(state), state.flushAt],
    );
  }
}
