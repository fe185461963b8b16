import { type Pool } from 'pg';
import { type Outbox, type OutboxRecord } from './outbox';

export interface RelayListener {
  published?(count: number): void;
  failed?(error: unknown, retryInMs: number): void;
}

/**
 * Drains an outbox to Kafka. Polls, can be nudged right after a commit for low latency, and
 * backs off exponentially (with jitter) while Kafka or Postgres is unavailable.
 */
export class OutboxRelay {
  private stopped = true;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private failures = 0;

  constructor(
    private readonly pool: Pool,
    private readonly outbox: Outbox,
    private readonly publish: (records: OutboxRecord[]) => Promise<void>,
    private readonly options: {
      idlePollMs?: number;
      maxBackoffMs?: number;
      listener?: RelayListener;
      /**
       * Asked before each round, outside any transaction: throw when the broker does not answer.
       * A round holds the outbox locks of its records while it sends, and writers of those keys
       * wait on them; asking first keeps a dead broker from making writers wait.
       */
      ready?: () => Promise<void>;
    } = {},
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
    const idle = this.options.idlePollMs ?? 100;
    const maxBackoff = this.options.maxBackoffMs ?? 5_000;
    while (!this.stopped) {
      let delay = idle;
      try {
        await this.options.ready?.();
        const count = await this.outbox.relayOnce(this.pool, this.publish);
        this.failures = 0;
        if (count > 0) {
          this.options.listener?.published?.(count);
          continue;
        }
      } catch (error) {
        this.failures += 1;
        const base = Math.min(maxBackoff, 100 * 2 ** Math.min(this.failures, 10));
        delay = Math.round(base / 2 + Math.random() * (base / 2));
        this.options.listener?.failed?.(error, delay);
      }
      await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
