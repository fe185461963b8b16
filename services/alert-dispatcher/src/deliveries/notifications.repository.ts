import {
  type Channel,
  type ChannelAddress,
  type Locale,
  type MessageFacts,
  type MessageKind,
} from '@beacon/alerting-domain';
import { currentTrace, currentTraceparent } from '@beacon/observability';
import { type Pool, type PoolClient } from '@beacon/persistence';
import { Injectable } from '@nestjs/common';
import { named, runWrites, type Write } from '../statements';
import { randomUUID } from 'node:crypto';

/** The channels a message may use: the tier's, then the recipient's others (failover order). */
export interface MessagePlan {
  channels: ChannelAddress[];
  fallbacks: ChannelAddress[];
}

export interface NotificationRow {
  notification_id: string;
  message_id: string;
  alert_id: string;
  case_id: string;
  recipient_id: string;
  channel: Channel;
  address: string;
  locale: Locale;
  tier: number;
  kind: MessageKind;
  facts: MessageFacts;
  plan: MessagePlan;
  attempts: number;
  status: 'pending' | 'sent' | 'failed' | 'cancelled';
  provider: string | null;
  provider_message_id: string | null;
  delivered_at: Date | null;
  /** The trace of the event that caused the message, and when Beacon recorded that event. */
  traceparent: string | null;
  origin_at: Date | null;
}

const COLUMNS = `notification_id, message_id, alert_id, case_id, recipient_id, channel, address, locale, tier, kind,
  facts, plan, attempts, status, provider, provider_message_id, delivered_at, traceparent, origin_at`;

/**
 * Per channel, the due rows in due order, past the recipients that have no room left (`$5`,
 * `$6`: sends in flight up to their cap); of what that finds, a recipient keeps as many as it
 * has room for (`$7`, or `$8` when it has nothing in flight), the earliest first.
 */
const CLAIM_DUE = `WITH busy AS (
    SELECT * FROM UNNEST($5::text[], $6::text[], $7::int[]) AS b(channel, recipient_id, room))
  UPDATE alerting.notifications SET next_attempt_at = $4
  WHERE notification_id IN (
    SELECT d.notification_id
    FROM (SELECT u.channel, u.room,
            ARRAY(SELECT recipient_id FROM busy WHERE busy.channel = u.channel AND busy.room <= 0) AS full
          FROM UNNEST($1::text[], $2::int[]) AS u(channel, room)) AS c
    CROSS JOIN LATERAL (
      SELECT q.notification_id, q.recipient_id,
        row_number() OVER (PARTITION BY q.recipient_id ORDER BY q.next_attempt_at) AS nth
      FROM (
        SELECT notification_id, recipient_id, next_attempt_at FROM alerting.notifications
        WHERE status = 'pending' AND next_attempt_at <= $3 AND channel = c.channel
          AND recipient_id <> ALL (c.full)
        ORDER BY next_attempt_at LIMIT c.room FOR UPDATE SKIP LOCKED) AS q) AS d
    LEFT JOIN busy ON busy.channel = c.channel AND busy.recipient_id = d.recipient_id
    WHERE d.nth <= COALESCE(busy.room, $8))
  RETURNING ${COLUMNS}`;

const CLAIM_BY_IDS = `UPDATE alerting.notifications SET next_attempt_at = $3
  WHERE notification_id IN (
    SELECT notification_id FROM alerting.notifications
    WHERE notification_id = ANY($1::uuid[]) AND status = 'pending' AND next_attempt_at <= $2
    FOR UPDATE SKIP LOCKED)
  RETURNING ${COLUMNS}`;

const MARK_SENT = `UPDATE alerting.notifications n SET status = 'sent', attempts = n.attempts + 1, sent_at = $4,
    last_error = NULL, provider = u.provider, provider_message_id = u.reference
  FROM UNNEST($1::uuid[], $2::text[], $3::text[]) AS u(id, provider, reference)
  WHERE n.notification_id = u.id AND n.status = 'pending'
  RETURNING ${COLUMNS.split(',')
    .map((c) => `n.${c.trim()}`)
    .join(', ')}`;

export interface NewMessage {
  alertId: string;
  caseId: string;
  recipientId: string;
  locale: Locale;
  tier: number;
  facts: MessageFacts;
  plan: MessagePlan;
  /** The channels it goes out on now; the rest of the plan is for failover. */
  channels: ChannelAddress[];
}

/** A message with the trace it continues: the event that caused it, and when Beacon recorded that event. */
export interface QueuedMessage extends NewMessage {
  traceparent: string | null;
  originAt: string | Date | null;
}

export interface PagedRecipient {
  recipient_id: string;
  locale: Locale;
  channel: Channel;
  address: string;
}

/** The notification queue: one row per message and channel, sent by the delivery worker. */
@Injectable()
export class NotificationsRepository {
  async enqueue(client: PoolClient, message: NewMessage, now: Date): Promise<string[]> {
    // Queued while deciding on an event: that event's trace and recorded time.
    const [ids] = await this.enqueueMany(
      client,
      [
        {
          ...message,
          traceparent: currentTraceparent() ?? null,
          originAt: currentTrace()?.eventTime ?? null,
        },
      ],
      now,
    );
    return ids ?? [];
  }

  /** Several messages in one statement; returns each message's notification ids, in order. */
  async enqueueMany(
    client: PoolClient,
    messages: readonly QueuedMessage[],
    now: Date,
  ): Promise<string[][]> {
    const { write, ids } = this.enqueueManyWrite(messages, now);
    await runWrites(client, [write]);
    return ids;
  }

  enqueueManyWrite(
    messages: readonly QueuedMessage[],
    now: Date,
  ): { write: Write | null; ids: string[][] } {
    const rows = messages.flatMap((message) => {
      const messageId = randomUUID();
      return message.channels.map((c) => ({ id: randomUUID(), messageId, message, channel: c }));
    });
    const ids = new Map<QueuedMessage, string[]>();
    for (const row of rows) ids.set(row.message, [...(ids.get(row.message) ?? []), row.id]);
    // One JSON document for all the rows: facts and plans go in as they are, not quoted twice.
    const json = rows.map(({ id, messageId, message, channel }) => ({
      n: id,
      m: messageId,
      a: message.alertId,
      c: message.caseId,
      r: message.recipientId,
      ch: channel.channel,
      ad: channel.address,
      l: message.locale,
      t: message.tier,
      k: message.facts.kind,
      f: message.facts,
      p: message.plan,
      tp: message.traceparent,
      o: message.originAt,
    }));
    const write = {
      sql: `INSERT INTO alerting.notifications (notification_id, message_id, alert_id, case_id, recipient_id, channel,
              address, locale, tier, kind, facts, plan, next_attempt_at, traceparent, origin_at)
            SELECT n, m, a, c, r, ch, ad, l, t, k, f, p, $2, tp, o
            FROM jsonb_to_recordset($1::jsonb) AS u(n uuid, m uuid, a uuid, c uuid, r text, ch text, ad text, l text,
              t int, k text, f jsonb, p jsonb, tp text, o timestamptz)`,
      params: [JSON.stringify(json), now],
    };
    return { write: rows.length > 0 ? write : null, ids: messages.map((m) => ids.get(m) ?? []) };
  }

  /** Adds one more channel to a message after a failed send; false when it was already there. */
  async addChannel(
    client: PoolClient,
    row: NotificationRow,
    next: ChannelAddress,
    now: Date,
  ): Promise<boolean> {
    const { rowCount } = await client.query(
      `INSERT INTO alerting.notifications (notification_id, message_id, alert_id, case_id, recipient_id, channel, address,
         locale, tier, kind, facts, plan, next_attempt_at, traceparent, origin_at)
       SELECT $1, message_id, alert_id, case_id, recipient_id, $3, $4, locale, tier, kind, facts, plan, $5, traceparent, origin_at
       FROM alerting.notifications WHERE notification_id = $2
       ON CONFLICT (message_id, channel) DO NOTHING`,
      [randomUUID(), row.notification_id, next.channel, next.address, now],
    );
    return rowCount === 1;
  }

  async channelsOfMessage(client: PoolClient, messageId: string): Promise<Channel[]> {
    const { rows } = await client.query<{ channel: Channel }>(
      `SELECT channel FROM alerting.notifications WHERE message_id = $1`,
      [messageId],
    );
    return rows.map((r) => r.channel);
  }

  /**
   * Claims due rows with a lease, up to a number per channel and per recipient, in one
   * statement: they are not due again until the lease ends, so a dispatcher killed mid-send
   * leaves them to be sent again, never lost. `busy` is the room left to each recipient with
   * sends in flight (none: skipped); any other recipient may take up to `perRecipient`.
   */
  async claimDue(
    pool: Pool,
    rooms: ReadonlyMap<Channel, number>,
    busy: readonly { channel: Channel; recipientId: string; room: number }[],
    perRecipient: number,
    now: Date,
    leaseMs: number,
  ): Promise<NotificationRow[]> {
    const wanted = [...rooms].filter(([, room]) => room > 0);
    if (wanted.length === 0) return [];
    const { rows } = await pool.query<NotificationRow>({
      ...named(CLAIM_DUE),
      values: [
        wanted.map(([channel]) => channel),
        wanted.map(([, room]) => room),
        now,
        new Date(now.getTime() + leaseMs),
        busy.map((b) => b.channel),
        busy.map((b) => b.recipientId),
        busy.map((b) => Math.max(0, b.room)),
        perRecipient,
      ],
    });
    return rows;
  }

  /** Claims these rows with a lease, those still due and not being claimed by anyone else. */
  async claimByIds(
    pool: Pool,
    notificationIds: readonly string[],
    now: Date,
    leaseMs: number,
  ): Promise<NotificationRow[]> {
    if (notificationIds.length === 0) return [];
    const { rows } = await pool.query<NotificationRow>({
      ...named(CLAIM_BY_IDS),
      values: [notificationIds, now, new Date(now.getTime() + leaseMs)],
    });
    return rows;
  }

  /** The row as it is now, locked; null when another outcome already settled it. */
  async lockPending(client: PoolClient, notificationId: string): Promise<NotificationRow | null> {
    const { rows } = await client.query<NotificationRow>(
      `SELECT ${COLUMNS} FROM alerting.notifications WHERE notification_id = $1 AND status = 'pending' FOR UPDATE`,
      [notificationId],
    );
    return rows[0] ?? null;
  }

  async markSent(
    client: PoolClient,
    notificationId: string,
    result: { provider: string; providerMessageId?: string },
    now: Date,
  ): Promise<void> {
    await client.query(
      `UPDATE alerting.notifications SET status = 'sent', attempts = attempts + 1, sent_at = $2, last_error = NULL,
         provider = $3, provider_message_id = $4
       WHERE notification_id = $1`,
      [notificationId, now, result.provider, result.providerMessageId ?? null],
    );
  }

  /** Settles a batch of successful sends; returns the rows it settled (not those already settled). */
  async markSentMany(
    client: PoolClient,
    sent: readonly { notificationId: string; provider: string; providerMessageId?: string }[],
    now: Date,
  ): Promise<NotificationRow[]> {
    if (sent.length === 0) return [];
    const { rows } = await client.query<NotificationRow>({
      ...named(MARK_SENT),
      values: [
        sent.map((s) => s.notificationId),
        sent.map((s) => s.provider),
        sent.map((s) => s.providerMessageId ?? null),
        now,
      ],
    });
    return rows;
  }

  /** Marks messages delivered; returns those not marked before. */
  async markDeliveredMany(
    client: PoolClient,
    notificationIds: readonly string[],
    now: Date,
  ): Promise<Set<string>> {
    const { rows } = await client.query<{ notification_id: string }>(
      `UPDATE alerting.notifications SET delivered_at = $2
       WHERE notification_id = ANY($1::uuid[]) AND delivered_at IS NULL RETURNING notification_id`,
      [notificationIds, now],
    );
    return new Set(rows.map((r) => r.notification_id));
  }

  async markFailed(
    client: PoolClient,
    notificationId: string,
    update: { attempts: number; retryAt: Date | null; error: string },
  ): Promise<void> {
    await client.query(
      `UPDATE alerting.notifications SET attempts = $2, status = $3, next_attempt_at = COALESCE($4, next_attempt_at),
         last_error = $5
       WHERE notification_id = $1`,
      [
        notificationId,
        update.attempts,
        update.retryAt ? 'pending' : 'failed',
        update.retryAt,
        update.error.slice(0, 300),
      ],
    );
  }

  async findByProviderReferences(
    client: PoolClient,
    references: readonly { provider: string; reference: string }[],
  ): Promise<NotificationRow[]> {
    const { rows } = await client.query<NotificationRow>(
      `SELECT ${COLUMNS} FROM alerting.notifications
       WHERE (provider, provider_message_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
       FOR UPDATE`,
      [references.map((r) => r.provider), references.map((r) => r.reference)],
    );
    return rows;
  }

  /** A sent message whose delivery later failed goes back in the queue. */
  async requeue(
    client: PoolClient,
    notificationId: string,
    retryAt: Date,
    error: string,
  ): Promise<void> {
    await client.query(
      `UPDATE alerting.notifications SET status = 'pending', next_attempt_at = $2, last_error = $3,
         provider = NULL, provider_message_id = NULL
       WHERE notification_id = $1`,
      [notificationId, retryAt, error.slice(0, 300)],
    );
  }

  async cancelPending(
    client: PoolClient,
    alertIds: readonly string[],
    kinds: readonly MessageKind[],
  ): Promise<void> {
    if (alertIds.length === 0) return;
    await client.query(
      `UPDATE alerting.notifications SET status = 'cancelled'
       WHERE alert_id = ANY($1::uuid[]) AND status = 'pending' AND kind = ANY($2::text[])`,
      [alertIds, kinds],
    );
  }

  /**
   * Whoever was reached about a case, on each channel they were reached on: directly, or
   * through a page or update about its incident.
   */
  async reachedAbout(
    client: PoolClient,
    caseId: string,
    incidentId: string | null,
  ): Promise<PagedRecipient[]> {
    const { rows } = await client.query<PagedRecipient>(
      `SELECT DISTINCT ON (n.recipient_id, n.channel) n.recipient_id, n.locale, n.channel, n.address
       FROM alerting.notifications n JOIN alerting.alerts a ON a.alert_id = n.alert_id
       WHERE n.status = 'sent' AND n.kind IN ('alert', 'incident-update', 'escalation')
         AND (a.case_id = $1 OR ($2::uuid IS NOT NULL AND a.incident_id = $2))
       ORDER BY n.recipient_id, n.channel, n.sent_at DESC`,
      [caseId, incidentId],
    );
    return rows;
  }

  /** Whether this phone was sent a message about the alert or its incident, and as whom. */
  async recipientBySms(
    client: PoolClient,
    alertIds: readonly string[],
    phone: string,
  ): Promise<string | null> {
    const { rows } = await client.query<{ recipient_id: string }>(
      `SELECT recipient_id FROM alerting.notifications
       WHERE alert_id = ANY($1::uuid[]) AND channel = 'sms' AND status IN ('sent', 'pending')
         AND regexp_replace(address, '\\D', '', 'g') = $2
       LIMIT 1`,
      [alertIds, phone.replace(/\D/g, '')],
    );
    return rows[0]?.recipient_id ?? null;
  }

  async pendingCount(pool: Pool): Promise<number> {
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM alerting.notifications WHERE status = 'pending'`,
    );
    return Number(rows[0]?.n ?? 0);
  }
}
