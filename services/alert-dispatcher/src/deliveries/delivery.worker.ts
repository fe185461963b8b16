import {
  DEFAULT_RETRY_POLICY,
  nextFailover,
  retryDelayMs,
  type Channel,
} from '@beacon/alerting-domain';
import { type CaseEvent } from '@beacon/events';
import { continueTrace, type TraceContext, withTrace } from '@beacon/observability';
import { withTransaction, type Pool, type PoolClient } from '@beacon/persistence';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ChannelError, describeFailure, type SendResult } from '../channels/channel';
import { ChannelRegistry } from '../channels/channel-registry.service';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../dispatcher.config';
import { ALERTING_POOL } from '../dispatcher.tokens';
import { EventsRelay } from '../events/events-relay.service';
import { LifecycleEvents } from '../events/lifecycle-events.service';
import { DispatcherMetrics } from '../observability/dispatcher-metrics.service';
import { DeliveryReceipts } from './delivery-receipts.service';
import { NotificationsRepository, type NotificationRow } from './notifications.repository';

/** Sends in flight per channel: a hanging SMTP server fills e-mail's slots, never SMS's. */
const IN_FLIGHT_PER_CHANNEL = 32;
/**
 * Of those, what one recipient may hold: a partner whose webhook hangs, or a storm of pages to
 * one person, leaves the rest of the channel to everyone else.
 */
const IN_FLIGHT_PER_RECIPIENT = 16;
const CLAIM_CHUNK = 8;
const SETTLE_BATCH = 200;
const SETTLE_LINGER_MS = 100;
/** Providers that report delivery later, quoting the id they answered the send with. */
const RECEIPT_PROVIDERS: ReadonlySet<string> = new Set(['smpp', 'kannel']);

interface Handed {
  channel: Channel;
  recipientId: string;
}

interface Outcome {
  row: NotificationRow;
  result?: SendResult;
  failure?: unknown;
  done: (error?: Error) => void;
}

/**
 * Sends due notifications from the Postgres queue. Each row is claimed with a lease (SKIP
 * LOCKED, so several dispatchers share the work): by key when this process's decision handed
 * it over on commit, else by a scan of what is due. Each is sent on its own, and a recipient
 * holds only a share of its channel's slots, so one recipient's slow or failing channel never
 * holds up another's; outcomes are settled in batches. A failed send is retried with
 * exponential backoff and jitter, and the message also fails over to the recipient's next
 * channel.
 */
@Injectable()
export class DeliveryWorker {
  private readonly logger = new Logger(DeliveryWorker.name);
  private stopped = true;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private woken = false;
  /** Rows this process queued and committed, by id: claimed by key, not found by a scan. */
  private readonly handed = new Map<string, Handed>();
  /** Whether the next round also looks for due rows this process was not handed. */
  private scanDue = true;
  private readonly inFlight = new Map<Channel, number>();
  /** Sends in flight per recipient and channel, by `slotKey`. */
  private readonly inFlightOf = new Map<string, Handed & { sends: number }>();
  /** Recipients a scan passed over for want of room: their next free slot calls for a scan. */
  private readonly passedOver = new Set<string>();
  private readonly sends = new Set<Promise<void>>();
  private readonly outcomes: Outcome[] = [];
  private flushing: Promise<void> | null = null;
  private endLinger: (() => void) | null = null;
  clock: () => Date = () => new Date();
  random: () => number = Math.random;

  constructor(
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
    @Inject(ALERTING_POOL) private readonly pool: Pool,
    private readonly notifications: NotificationsRepository,
    private readonly channels: ChannelRegistry,
    private readonly events: LifecycleEvents,
    private readonly receipts: DeliveryReceipts,
    private readonly relay: EventsRelay,
    private readonly metrics: DispatcherMetrics,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Something may be due that this process was not handed (a retry, a failover, a timer): look. */
  nudge(): void {
    this.scanDue = true;
    this.wakeUp();
  }

  /**
   * Rows a decision of this process just committed. They are claimed by key: a scan of the
   * queue by due time also walks the index entries every earlier send left behind, until
   * vacuum removes them.
   */
  hand(rows: readonly { notificationId: string; channel: Channel; recipientId: string }[]): void {
    for (const row of rows)
      if (this.channels.has(row.channel))
        this.handed.set(row.notificationId, { channel: row.channel, recipientId: row.recipientId });
    if (rows.length > 0) this.wakeUp();
  }

  private wakeUp(): void {
    if (this.wake) this.wake();
    else this.woken = true;
  }

  /** Waits a little for sends in flight; any cut short are sent again once their lease ends. */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopped = true;
    this.nudge();
    await this.loop;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.sends]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let more = false;
      try {
        more = (await this.claimAndSend()).more;
        failures = 0;
      } catch (error) {
        failures += 1;
        this.scanDue = true;
        if (failures === 1 || failures % 50 === 0)
          this.logger.warn(`delivery round failed: ${(error as Error).message}`);
      }
      if (more) continue;
      const timedOut = await this.sleep(
        failures > 0
          ? Math.min(5_000, this.config.DELIVERY_POLL_MS * 2 ** failures)
          : this.config.DELIVERY_POLL_MS,
      );
      if (timedOut) this.scanDue = true;
    }
  }

  /**
   * One round: claims what each channel has room for and starts sending it, at most
   * IN_FLIGHT_PER_RECIPIENT in flight for any one recipient on a channel. Rows handed over
   * are claimed by key; the queue is scanned only when something else may be due (a nudge,
   * the poll, a scan that filled a channel's or a recipient's room). `more` when another round
   * may find more right away.
   */
  async claimAndSend(): Promise<{ claimed: number; more: boolean }> {
    const now = this.clock();
    const lease = this.config.SEND_TIMEOUT_MS + 30_000;
    const rooms = new Map<Channel, number>();
    for (const channel of this.channels.names) {
      const busy = this.inFlight.get(channel) ?? 0;
      const room = IN_FLIGHT_PER_CHANNEL - busy;
      // Under load, claim in chunks rather than one row per finished send.
      if (room <= 0 || (busy > 0 && room < CLAIM_CHUNK)) continue;
      rooms.set(channel, room);
    }
    const roomOf = (channel: Channel, recipientId: string) =>
      IN_FLIGHT_PER_RECIPIENT - (this.inFlightOf.get(slotKey(channel, recipientId))?.sends ?? 0);
    let claimed = 0;
    const start = (rows: readonly NotificationRow[]) => {
      for (const row of rows) {
        this.startSend(row);
        rooms.set(row.channel, (rooms.get(row.channel) ?? 0) - 1);
      }
      claimed += rows.length;
    };
    // In the order they were handed over, so a recipient's pages keep theirs.
    const ids: string[] = [];
    const left = new Map(rooms);
    const taken = new Map<string, number>();
    for (const [id, { channel, recipientId }] of this.handed) {
      const room = left.get(channel) ?? 0;
      const key = slotKey(channel, recipientId);
      if (room <= 0 || roomOf(channel, recipientId) - (taken.get(key) ?? 0) <= 0) continue;
      ids.push(id);
      left.set(channel, room - 1);
      taken.set(key, (taken.get(key) ?? 0) + 1);
    }
    if (ids.length > 0) {
      for (const id of ids) this.handed.delete(id);
      start(await this.notifications.claimByIds(this.pool, ids, now, lease));
    }
    if (this.scanDue && [...rooms.values()].some((room) => room > 0)) {
      const wanted = new Map([...rooms].filter(([, room]) => room > 0));
      const busy = [...this.inFlightOf.values()]
        .filter(({ channel }) => wanted.has(channel))
        .map(({ channel, recipientId, sends }) => ({
          channel,
          recipientId,
          room: IN_FLIGHT_PER_RECIPIENT - sends,
        }));
      const rows = await this.notifications.claimDue(
        this.pool,
        wanted,
        busy,
        IN_FLIGHT_PER_RECIPIENT,
        now,
        lease,
      );
      start(rows);
      // Recipients with no room were skipped, and may have rows due when a send of theirs ends.
      for (const { channel, recipientId, room } of busy)
        if (room <= 0) this.passedOver.add(slotKey(channel, recipientId));
      // A channel that got all it asked for may have more waiting, and so may one whose scan
      // stopped at a recipient's room: the next scan passes that recipient by.
      const filled = [...new Set(rows.map((r) => slotKey(r.channel, r.recipient_id)))].filter(
        (key) => (this.inFlightOf.get(key)?.sends ?? 0) >= IN_FLIGHT_PER_RECIPIENT,
      );
      for (const key of filled) this.passedOver.add(key);
      this.scanDue =
        filled.length > 0 ||
        [...wanted].some(
          ([channel, room]) => rows.filter((r) => r.channel === channel).length >= room,
        );
    }
    const more =
      [...this.handed.values()].some(
        ({ channel, recipientId }) =>
          (rooms.get(channel) ?? 0) > 0 && roomOf(channel, recipientId) > 0,
      ) ||
      (this.scanDue && [...rooms.values()].some((room) => room > 0));
    return { claimed, more };
  }

  private startSend(row: NotificationRow): void {
    const key = slotKey(row.channel, row.recipient_id);
    this.inFlight.set(row.channel, (this.inFlight.get(row.channel) ?? 0) + 1);
    const slots = this.inFlightOf.get(key) ?? {
      channel: row.channel,
      recipientId: row.recipient_id,
      sends: 0,
    };
    slots.sends += 1;
    this.inFlightOf.set(key, slots);
    // The slots free when the send ends; the row stays leased until it is recorded.
    const release = () => {
      this.inFlight.set(row.channel, (this.inFlight.get(row.channel) ?? 1) - 1);
      slots.sends -= 1;
      if (slots.sends <= 0) this.inFlightOf.delete(key);
      if (this.passedOver.delete(key)) this.scanDue = true;
      this.wakeUp();
    };
    // The send, its log lines and its lifecycle event continue the trace of the report that caused it.
    const send = withTrace(traceOfRow(row), () => this.deliver(row, release))
      .catch((error: unknown) =>
        this.logger.error(
          `recording notification ${row.notification_id} failed: ${(error as Error).message}`,
        ),
      )
      .finally(() => this.sends.delete(send));
    this.sends.add(send);
  }

  private async deliver(row: NotificationRow, release: () => void): Promise<void> {
    let outcome: Omit<Outcome, 'done'>;
    try {
      outcome = { row, result: await this.sendWithTimeout(row) };
    } catch (error) {
      outcome = { row, failure: error };
    } finally {
      release();
    }
    await this.record(outcome);
    this.relay.nudge();
  }

  /**
   * Outcomes are written in batches: under load one transaction settles every send that
   * finished meanwhile, instead of one transaction per message.
   */
  private record(outcome: Omit<Outcome, 'done'>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.outcomes.push({ ...outcome, done: (error) => (error ? reject(error) : resolve()) });
      if (!outcome.result || this.outcomes.length >= SETTLE_BATCH) this.endLinger?.();
      if (!this.flushing)
        this.flushing = this.flushOutcomes().finally(() => (this.flushing = null));
    });
  }

  private async flushOutcomes(): Promise<void> {
    // Settling waits a moment after the first outcome, so that under load one transaction
    // takes the sends of that moment rather than each taking a few. A send is done when the
    // server has it; only its record waits. A failure is settled at once: it fails over.
    if (this.outcomes.length < SETTLE_BATCH && this.outcomes.every((o) => o.result)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => this.endLinger?.(), SETTLE_LINGER_MS);
        this.endLinger = () => {
          clearTimeout(timer);
          this.endLinger = null;
          resolve();
        };
      });
    }
    while (this.outcomes.length > 0) {
      const batch = this.outcomes.splice(0, SETTLE_BATCH);
      try {
        const failedOver = await withTransaction(this.pool, (client) => this.settle(client, batch));
        for (const outcome of batch) outcome.done();
        if (failedOver) this.nudge();
      } catch (error) {
        for (const outcome of batch) outcome.done(error as Error);
      }
    }
  }

  /** Returns whether any failed message was moved to another channel. */
  private async settle(client: PoolClient, batch: readonly Outcome[]): Promise<boolean> {
    const now = this.clock();
    const sent = batch.filter((o): o is Outcome & { result: SendResult } => o.result !== undefined);
    const results = new Map(sent.map((o) => [o.row.notification_id, o.result]));
    // Another instance may have sent a row after this one's lease ran out: settle each once.
    const settled = await this.notifications.markSentMany(
      client,
      sent.map((o) => ({ notificationId: o.row.notification_id, ...o.result })),
      now,
    );
    // Channels that confirm delivery in their answer (a webhook's 2xx): marked together.
    const confirmed = settled
      .filter((row) => results.get(row.notification_id)?.delivered)
      .map((row) => row.notification_id);
    const delivered =
      confirmed.length > 0
        ? await this.notifications.markDeliveredMany(client, confirmed, now)
        : new Set<string>();
    const events: CaseEvent[] = [];
    for (const row of settled) {
      const result = results.get(row.notification_id);
      this.observeSent(row, now);
      events.push(
        withTrace(traceOfRow(row), () =>
          this.events.build('notification-sent', row.case_id, now, {
            alertId: row.alert_id,
            notificationId: row.notification_id,
            recipientId: row.recipient_id,
            channel: row.channel,
            tier: row.tier,
            attempt: Math.min(100, row.attempts),
          }),
        ),
      );
      if (result && delivered.has(row.notification_id)) {
        events.push(
          // Same trace as the send it confirms.
          withTrace(traceOfRow(row), () => this.events.build('notification-delivered', row.case_id, now, {
            alertId: row.alert_id,
            notificationId: row.notification_id,
            recipientId: row.recipient_id,
            channel: row.channel,
            ...(result.providerMessageId
              ? { providerMessageId: result.providerMessageId.slice(0, 200) }
              : {}),
          })),
        );
      }
    }
    await this.events.emitAll(client, events);
    // Only SMS providers send receipts; they may have arrived before this commit.
    await this.receipts.reconcile(
      client,
      settled.flatMap((row) => {
        const result = results.get(row.notification_id);
        return result?.providerMessageId && RECEIPT_PROVIDERS.has(result.provider)
          ? [{ row, provider: result.provider, reference: result.providerMessageId }]
          : [];
      }),
    );
    let failedOver = false;
    for (const outcome of batch) {
      if (outcome.result === undefined)
        failedOver =
          (await withTrace(traceOfRow(outcome.row), () =>
            this.recordFailure(client, outcome.row, outcome.failure, now),
          )) || failedOver;
    }
    return failedOver;
  }

  private async sendWithTimeout(row: NotificationRow): Promise<SendResult> {
    const channel = this.channels.get(row.channel);
    if (!channel)
      throw new ChannelError(
        'CHANNEL_NOT_CONFIGURED',
        `channel ${row.channel} is not configured here`,
      );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new ChannelError('TIMEOUT', `no answer within ${this.config.SEND_TIMEOUT_MS} ms`)),
        this.config.SEND_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([
        channel.send({
          notificationId: row.notification_id,
          alertId: row.alert_id,
          recipientId: row.recipient_id,
          address: row.address,
          locale: row.locale,
          facts: row.facts,
        }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async recordFailure(
    client: PoolClient,
    claimed: NotificationRow,
    reason: unknown,
    now: Date,
  ): Promise<boolean> {
    const { code, message } = describeFailure(reason);
    this.metrics.deliveries.inc({ channel: claimed.channel, outcome: 'failed' });
    const row = await this.notifications.lockPending(client, claimed.notification_id);
    if (!row) return false;
    const attempt = row.attempts + 1;
    const willRetry = attempt < this.config.DELIVERY_MAX_ATTEMPTS;
    const retryAt = willRetry
      ? new Date(
          now.getTime() +
            retryDelayMs(attempt, this.random, {
              baseMs: this.config.DELIVERY_RETRY_BASE_MS,
              capMs: DEFAULT_RETRY_POLICY.capMs,
            }),
        )
      : null;
    await this.notifications.markFailed(client, row.notification_id, {
      attempts: attempt,
      retryAt,
      error: `${code}: ${message}`,
    });
    await this.events.emit(client, 'notification-failed', row.case_id, now, {
      alertId: row.alert_id,
      notificationId: row.notification_id,
      recipientId: row.recipient_id,
      channel: row.channel,
      attempt: Math.min(100, attempt),
      reason: `${code}: ${message}`.slice(0, 200),
      willRetry,
    });
    const used = await this.notifications.channelsOfMessage(client, row.message_id);
    const next = nextFailover(row.plan, used);
    const failedOver =
      next !== null && (await this.notifications.addChannel(client, row, next, now));
    this.logger.warn(
      `notification ${row.notification_id} via ${row.channel} failed (attempt ${attempt}): ${code}` +
        (failedOver && next ? `; failing over to ${next.channel}` : ''),
    );
    return failedOver;
  }

  /** Counts the send and, for an alert's first page, how long it took from the report. */
  private observeSent(row: NotificationRow, now: Date): void {
    this.metrics.deliveries.inc({ channel: row.channel, outcome: 'sent' });
    if (row.kind === 'alert' && row.tier === 0 && row.origin_at) {
      this.metrics.timeToNotify.observe({ channel: row.channel }, Math.max(0, (now.getTime() - new Date(row.origin_at).getTime()) / 1000));
    }
    // Ids and the channel only: the address and the message are personal data.
    withTrace(traceOfRow(row), () =>
      this.logger.log(`notification ${row.notification_id} for alert ${row.alert_id} sent via ${row.channel}`),
    );
  }

  /** Resolves true when the time ran out, false when woken. */
  private sleep(ms: number): Promise<boolean> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      const done = (timedOut: boolean) => {
        clearTimeout(timer);
        this.wake = null;
        resolve(timedOut);
      };
      const timer = setTimeout(() => done(true), ms);
      this.wake = () => done(false);
    });
  }
}

/** One recipient on one channel. */
function slotKey(channel: Channel, recipientId: string): string {
  return `${channel}\u0000${recipientId}`;
}

/** The trace a queued message carries (its row), continued with a span of its own. */
function traceOfRow(row: NotificationRow): TraceContext {
  return continueTrace(row.traceparent);
}
