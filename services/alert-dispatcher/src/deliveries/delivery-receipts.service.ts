import { DEFAULT_RETRY_POLICY, retryDelayMs } from '@beacon/alerting-domain';
import { withTransaction, type Pool, type PoolClient } from '@beacon/persistence';
import { Inject, Injectable } from '@nestjs/common';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../dispatcher.config';
import { ALERTING_POOL } from '../dispatcher.tokens';
import { EventsRelay } from '../events/events-relay.service';
import { LifecycleEvents } from '../events/lifecycle-events.service';
import { NotificationsRepository, type NotificationRow } from './notifications.repository';

/**
 * Delivery receipts (SMPP deliver_sm receipts, Kannel DLRs) become notification-delivered
 * events. A receipt can overtake the commit that records the send, so unmatched receipts
 * wait in a table and the send looks for one when it is recorded; both sides take the same
 * advisory lock, so neither misses the other.
 */
@Injectable()
export class DeliveryReceipts {
  clock: () => Date = () => new Date();

  constructor(
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
    @Inject(ALERTING_POOL) private readonly pool: Pool,
    private readonly notifications: NotificationsRepository,
    private readonly events: LifecycleEvents,
    private readonly relay: EventsRelay,
  ) {}

  async record(
    provider: string,
    reference: string,
    delivered: boolean,
  ): Promise<'applied' | 'held'> {
    const outcome = await withTransaction(this.pool, async (client) => {
      await this.lock(client, provider, reference);
      const row = await this.notifications.findByProviderReference(client, provider, reference);
      if (!row || row.status !== 'sent') {
        await client.query(
          `INSERT INTO alerting.delivery_receipts (provider, reference, delivered) VALUES ($1, $2, $3)
           ON CONFLICT (provider, reference) DO UPDATE SET delivered = EXCLUDED.delivered, received_at = now()`,
          [provider, reference, delivered],
        );
        return 'held' as const;
      }
      await this.apply(client, row, delivered);
      return 'applied' as const;
    });
    if (outcome === 'applied') this.relay.nudge();
    return outcome;
  }

  /** Called in the transaction that recorded a send with a provider reference. */
  async reconcile(
    client: PoolClient,
    row: NotificationRow,
    provider: string,
    reference: string,
  ): Promise<void> {
    await this.lock(client, provider, reference);
    const { rows } = await client.query<{ delivered: boolean }>(
      `UPDATE alerting.delivery_receipts SET matched_at = now()
       WHERE provider = $1 AND reference = $2 AND matched_at IS NULL RETURNING delivered`,
      [provider, reference],
    );
    const receipt = rows[0];
    if (receipt)
      await this.apply(
        client,
        { ...row, status: 'sent', provider, provider_message_id: reference },
        receipt.delivered,
      );
  }

  private async apply(client: PoolClient, row: NotificationRow, delivered: boolean): Promise<void> {
    const now = this.clock();
    if (delivered) {
      if (!(await this.notifications.markDelivered(client, row.notification_id, now))) return;
      await this.events.emit(client, 'notification-delivered', row.case_id, now, {
        alertId: row.alert_id,
        notificationId: row.notification_id,
        recipientId: row.recipient_id,
        channel: row.channel,
        ...(row.provider_message_id
          ? { providerMessageId: row.provider_message_id.slice(0, 200) }
          : {}),
      });
      return;
    }
    // The network gave up on it: send again, as after any failed attempt.
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

  private async lock(client: PoolClient, provider: string, reference: string): Promise<void> {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
      `receipt:${provider}:${reference}`,
    ]);
  }
}
