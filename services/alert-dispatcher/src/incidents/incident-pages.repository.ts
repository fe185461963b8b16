import {
  type IncidentNotifyState,
  type Recipient,
  type DeliveryMode,
} from '@beacon/alerting-domain';
import { type PoolClient } from '@beacon/persistence';
import { Injectable } from '@nestjs/common';

/** Who a held update goes to, kept with the row until its flush time. */
export interface HeldRecipient {
  recipient: Recipient;
  delivery: DeliveryMode;
  tier: number;
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
  /** Serialises deciders of one incident and recipient for the rest of the transaction. */
  async lock(
    client: PoolClient,
    incidentId: string,
    recipientId: string,
    purpose: string,
  ): Promise<IncidentPageRow | null> {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
      `incident:${incidentId}:${recipientId}:${purpose}`,
    ]);
    // A statement of its own, so its snapshot includes what the lock's last holder committed.
    const { rows } = await client.query<IncidentPageRow>(
      `SELECT incident_id, recipient_id, purpose, state, recipient FROM alerting.incident_pages
       WHERE incident_id = $1 AND recipient_id = $2 AND purpose = $3`,
      [incidentId, recipientId, purpose],
    );
    return rows[0] ?? null;
  }

  async save(
    client: PoolClient,
    key: { incidentId: string; recipientId: string; purpose: string; alertId: string },
    state: IncidentNotifyState,
    held: HeldRecipient | null,
  ): Promise<void> {
    await client.query(
      `INSERT INTO alerting.incident_pages (incident_id, recipient_id, purpose, alert_id, paged_at, state, flush_at, recipient)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (incident_id, recipient_id, purpose) DO UPDATE SET
         paged_at = EXCLUDED.paged_at, state = EXCLUDED.state, flush_at = EXCLUDED.flush_at,
         recipient = COALESCE(EXCLUDED.recipient, incident_pages.recipient)`,
      [
        key.incidentId,
        key.recipientId,
        key.purpose,
        key.alertId,
        state.pagedAt,
        JSON.stringify(state),
        state.flushAt,
        held ? JSON.stringify(held) : null,
      ],
    );
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
