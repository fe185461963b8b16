import { DEFAULT_RETRY_POLICY, retryDelayMs } from '@beacon/alerting-domain';
import { withTransaction, type Pool, type PoolClient } from '@beacon/persistence';
import { Inject, Injectable } from '@nestjs/common';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../dispatcher.config';
import { ALERTING_POOL } from '../dispatcher.tokens';
import { EventsRelay } from '../events/events-relay.service';
import { LifecycleEvents } from '../events/lifecycle-events.service';
import { NotificationsRepository, type NotificationRow } from './notifications.repository';

/** A receipt waiting for its batch, and the caller waiting for what became of it. */
interface PendingReceipt {
  provider: string;
  reference: string;
  delivered: boolean;
  settle: (outcome: 'applied' | 'held') => void;
  fail: (error: unknown) => void;
}

/** How long a receipt waits for others to share its transaction. */
const RECEIPT_BATCH_MS = 20;
const RECEIPT_BATCH_MAX = 500;

const keyOf = (provider: string, reference: string) => `receipt:${provider}:${reference}`;

/**
 * Delivery receipts (SMPP deliver_sm receipts, Kannel DLRs) become notification-delivered
 * events. A receipt can overtake the commit that records the send, so unmatched receipts
 * wait in a table and the send looks for one when it is recorded; both sides take the same
 * advisory locks, each set in one statement and in one order, so neither misses the other and
 * neither waits on the other in a circle. Receipts arrive as fast as messages go out: those of
 * a few milliseconds share one transaction, with a number of statements that does not grow
 * with them.
 */
@Injectable()
export class DeliveryReceipts {
  clock: () => Date = () => new Date();
  private pending: PendingReceipt[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
    @Inject(ALERTING_POOL) private readonly pool: Pool,
    private readonly notifications: NotificationsRepository,
    private readonly events: LifecycleEvents,
    private readonly relay: EventsRelay,
  ) {}

  record(provider: string, reference: string, delivered: boolean): Promise<'applied' | 'held'> {
    return new Promise((settle, fail) => {
      this.pending.push({ provider, reference, delivered, settle, fail });
      if (this.pending.length >= RECEIPT_BATCH_MAX) this.flushSoon(0);
      else this.flushSoon(RECEIPT_BATCH_MS);
    });
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const batch = this.pending.splice(0, RECEIPT_BATCH_MAX);
      if (this.pending.length > 0) this.flushSoon(RECEIPT_BATCH_MS);
      void this.recordMany(batch);
    }, delayMs);
  }

  private async recordMany(batch: PendingReceipt[]): Promise<void> {
    try {
      const outcomes = await withTransaction(this.pool, async (client) => {
        await this.lock(
          client,
          batch.map((r) => keyOf(r.provider, r.reference)),
        );
        const rows = await this.notifications.findByProviderReferences(
          client,
          batch.map((r) => ({ provider: r.provider, reference: r.reference })),
        );
        const byKey = new Map(
          rows.map((row) => [keyOf(row.provider ?? '', row.provider_message_id ?? ''), row]),
        );
        const held = new Map<string, PendingReceipt>();
        const applied: { row: NotificationRow; delivered: boolean }[] = [];
        const outcome = batch.map((receipt) => {
          const key = keyOf(receipt.provider, receipt.reference);
          const row = byKey.get(key);
          if (!row || row.status !== 'sent') {
            // The latest word on a message is the one kept.
            held.set(key, receipt);
            return 'held' as const;
          }
          applied.push({ row, delivered: receipt.delivered });
          return 'applied' as const;
        });
        if (held.size > 0) {
          const kept = [...held.values()];
          await client.query(
            `INSERT INTO alerting.delivery_receipts (provider, reference, delivered)
             SELECT * FROM unnest($1::text[], $2::text[], $3::boolean[])
             ON CONFLICT (provider, reference) DO UPDATE SET delivered = EXCLUDED.delivered, received_at = now()`,
            [
              kept.map((r) => r.provider),
              kept.map((r) => r.reference),
              kept.map((r) => r.delivered),
            ],
          );
        }
        await this.applyMany(client, applied);
        return outcome;
      });
      if (outcomes.includes('applied')) this.relay.nudge();
      batch.forEach((receipt, i) => receipt.settle(outcomes[i] ?? 'held'));
    } catch (error) {
      for (const receipt of batch) receipt.fail(error);
    }
  }

  /** Called in the transaction that recorded sends with a provider reference. */
  async reconcile(
    client: PoolClient,
    sent: readonly { row: NotificationRow; provider: string; reference: string }[],
  ): Promise<void> {
    if (sent.length === 0) return;
    await this.lock(
      client,
      sent.map((s) => keyOf(s.provider, s.reference)),
    );
    const { rows } = await client.query<{
      provider: string;
      reference: string;
      delivered: boolean;
    }>(
      `UPDATE alerting.delivery_receipts r SET matched_at = now()
       FROM unnest($1::text[], $2::text[]) AS s(provider, reference)
       WHERE r.provider = s.provider AND r.reference = s.reference AND r.matched_at IS NULL
       RETURNING r.provider, r.reference, r.delivered`,
      [sent.map((s) => s.provider), sent.map((s) => s.reference)],
    );
    if (rows.length === 0) return;
    const byKey = new Map(sent.map((s) => [keyOf(s.provider, s.reference), s]));
    await this.applyMany(
      client,
      rows.flatMap((receipt) => {
        const match = byKey.get(keyOf(receipt.provider, receipt.reference));
        if (!match) return [];
        const row: NotificationRow = {
          ...match.row,
          status: 'sent',
          provider: match.provider,
          provider_message_id: match.reference,
        };
        return [{ row, delivered: receipt.delivered }];
      }),
    );
  }

  /** Delivered messages are marked together, with their events in one append; the rare undelivered one alone. */
  private async applyMany(
    client: PoolClient,
    receipts: readonly { row: NotificationRow; delivered: boolean }[],
  ): Promise<void> {
    const delivered = receipts.filter((r) => r.delivered).map((r) => r.row);
    if (delivered.length > 0) {
      const now = this.clock();
      const marked = await this.notifications.markDeliveredMany(
        client,
        delivered.map((row) => row.notification_id),
        now,
      );
      await this.events.emitAll(
        client,
        delivered
          .filter((row) => marked.has(row.notification_id))
          .map((row) =>
            this.events.build('notification-delivered', row.case_id, now, {
              alertId: row.alert_id,
              notificationId: row.notification_id,
              recipientId: row.recipient_id,
              channel: row.channel,
              ...(row.provider_message_id
                ? { providerMessageId: row.provider_message_id.slice(0, 200) }
                : {}),
            }),
          ),
      );
    }
    for (const { row, delivered: ok } of receipts) if (!ok) await this.undelivered(client, row);
  }

  /** The network gave up on a message: it is sent again, as after any failed attempt. */
  private async undelivered(client: PoolClient, row: NotificationRow): Promise<void> {
    const now = this.clock();
    const attempt = row.attempts;
    const willRetry = attempt < this.config.DELIVERY_MAX_ATTEMPTS;
    const reason = `UNDELIVERED: ${row.provider ?? 'provider'} reported the message undelivered`;
    if (willRetry) {
      const retryAt = new Date(
        now.getTime() +
          retryDelayMs(attempt, Math.random, {
            baseMs: this.config.DELIVERY_RETRY_BASE_MS,
            capMs: DEFAULT_RETRY_POLICY.capMs,
          }),
      );
      await this.notifications.requeue(client, row.notification_id, retryAt, reason);
    } else {
      await this.notifications.markFailed(client, row.notification_id, {
        attempts: attempt,
        retryAt: null,
        error: reason,
      });
    }
    await this.events.emit(client, 'notification-failed', row.case_id, now, {
      alertId: row.alert_id,
      notificationId: row.notification_id,
      recipientId: row.recipient_id,
      channel: row.channel,
      attempt: Math.max(1, attempt),
      reason,
      willRetry,
    });
  }

  /** The receipts' advisory locks, in one statement and in one order for every caller. */
  private async lock(client: PoolClient, keys: readonly string[]): Promise<void> {
    await client.query(
      `SELECT pg_advisory_xact_lock(h)
       FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY 1) AS locks`,
      [keys],
    );
  }
}
