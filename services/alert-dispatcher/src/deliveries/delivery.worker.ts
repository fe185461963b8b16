import { type Locale, type MessageFacts } from '@beacon/alerting-domain';
import { type Outbox, withTransaction, type Pool, type PoolClient } from '@beacon/persistence';
import { Logger } from '@nestjs/common';
import { emitLifecycleEvent } from '../decisions/alert-decisions.service';
import { type DeliveryChannel } from './email.channel';

interface DueNotification {
  notification_id: string;
  alert_id: string;
  case_id: string;
  recipient_id: string;
  channel: string;
  address: string;
  locale: Locale;
  tier: number;
  facts: MessageFacts;
  attempts: number;
}

const MAX_ATTEMPTS = 12;
const SEND_TIMEOUT_MS = 15_000;

/** Exponential backoff with full jitter, capped at five minutes. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(300_000, 1_000 * 2 ** Math.min(attempt, 16));
  return Math.round(cap / 2 + random() * (cap / 2));
}

/**
 * Sends due notifications from the Postgres queue. Rows are claimed with SKIP LOCKED so
 * several dispatchers share the work; each message is sent independently, so one
 * recipient's failing channel never holds up another's.
 */
export class DeliveryWorker {
  private readonly logger = new Logger(DeliveryWorker.name);
  private stopped = true;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly outbox: Outbox,
    private readonly topic: string,
    private readonly channels: ReadonlyMap<string, DeliveryChannel>,
    private readonly pollMs: number,
    private readonly onOutcome: () => void = () => undefined,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  nudge(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.nudge();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let worked = 0;
      try {
        worked = await this.deliverDue();
      } catch (error) {
        this.logger.warn(`delivery round failed: ${(error as Error).message}`);
      }
      if (worked > 0) continue;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
        const timer = setTimeout(done, this.pollMs);
        this.wake = done;
      });
    }
  }

  async deliverDue(limit = 25): Promise<number> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<DueNotification>(
        `SELECT notification_id, alert_id, case_id, recipient_id, channel, address, locale, tier, facts, attempts
         FROM alerting.notifications WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      const results = await Promise.allSettled(rows.map((row) => this.sendOne(row)));
      const now = new Date();
      for (const [i, row] of rows.entries()) {
        const result = results[i];
        if (result?.status === 'fulfilled') await this.recordSent(client, row, result.value, now);
        else await this.recordFailure(client, row, result?.reason, now);
      }
      this.onOutcome();
      return rows.length;
    });
  }

  private async sendOne(row: DueNotification): Promise<{ providerMessageId?: string }> {
    const channel = this.channels.get(row.channel);
    if (!channel) throw new Error(`channel ${row.channel} is not configured`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${SEND_TIMEOUT_MS} ms`)), SEND_TIMEOUT_MS);
    });
    try {
      return await Promise.race([channel.send(row.address, row.locale, row.facts), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async recordSent(client: PoolClient, row: DueNotification, _result: { providerMessageId?: string }, now: Date) {
    await client.query(
      `UPDATE alerting.notifications SET status = 'sent', attempts = attempts + 1, sent_at = $2, last_error = NULL
       WHERE notification_id = $1`,
      [row.notification_id, now],
    );
    await emitLifecycleEvent(client, this.outbox, this.topic, 'notification-sent', row.case_id, now, {
      alertId: row.alert_id,
      notificationId: row.notification_id,
      recipientId: row.recipient_id,
      channel: row.channel as 'email',
      tier: row.tier,
      attempt: row.attempts + 1,
    });
  }

  private async recordFailure(client: PoolClient, row: DueNotification, reason: unknown, now: Date) {
    const attempt = row.attempts + 1;
    const willRetry = attempt < MAX_ATTEMPTS;
    // Provider errors can echo addresses back; those stay out of events and logs.
    const message = (reason instanceof Error ? reason.message : 'unknown error').replace(/[^\s<>]+@[^\s<>]+/g, '<address>');
    const code = reason instanceof Error && 'code' in reason ? String((reason as { code: unknown }).code) : 'ERROR';
    await client.query(
      `UPDATE alerting.notifications SET attempts = $2, status = $3, next_attempt_at = $4, last_error = $5
       WHERE notification_id = $1`,
      [row.notification_id, attempt, willRetry ? 'pending' : 'failed', new Date(now.getTime() + retryDelayMs(attempt)), `${code}: ${message}`.slice(0, 300)],
    );
    await emitLifecycleEvent(client, this.outbox, this.topic, 'notification-failed', row.case_id, now, {
      alertId: row.alert_id,
      notificationId: row.notification_id,
      recipientId: row.recipient_id,
      channel: row.channel as 'email',
      attempt,
      reason: `${code}: ${message}`.slice(0, 200),
      willRetry,
    });
    this.logger.warn(`notification ${row.notification_id} via ${row.channel} failed (attempt ${attempt}): ${code}`);
  }
}
