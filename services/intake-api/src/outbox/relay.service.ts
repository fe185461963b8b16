import { EventProducer, type Kafka } from '@beacon/kafka';
import { METRICS, ServiceMetrics, traceFromRecordHeaders, withTrace } from '@beacon/observability';
import { Outbox, type OutboxRecord } from '@beacon/persistence';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type Pool } from 'pg';
import { INTAKE_KAFKA, INTAKE_POOL } from '../intake.tokens';

const IDLE_POLL_MS = 200;
const MAX_BACKOFF_MS = 5_000;
const PROBE_TIMEOUT_MS = 3_000;
/** Under load, waiting this long after a small round lets the next one carry more (fewer round trips). */
const LINGER_MS = 20;
const FULL_ROUND = 100;
/**
 * A send cut off by a dying broker is tried again, unchanged, for this long while the round keeps
 * its cases' locks, so no other instance sends those records anew: the broker drops the copy it
 * may already have. Writers of those few cases wait that long at most, and the attempt under way.
 */
const SETTLE_WITHIN_MS = 8_000;

/**
 * Publishes committed reports from the outbox to Kafka. Runs in every intake instance; the
 * outbox's per-case advisory locks keep instances from publishing one case twice or out of order.
 *
 * A relay attempt holds those locks while it sends, and writers of the same case wait on them
 * (a send to a dead broker takes seconds of client retries). So each round first asks the broker
 * for its metadata (one round trip, no retries), outside any transaction, and touches the outbox
 * only once the broker answers: a stopped broker does not make hotlines wait. Only a broker dying
 * between that question and the send holds writers of those cases, while the round tries that
 * batch again (SETTLE_WITHIN_MS). The question is asked even while sends succeed: a broker stopped
 * under load would otherwise hold reports to the cases in flight for a whole send timeout.
 */
@Injectable()
export class RelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RelayService.name);
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private failures = 0;
  private lastFailureLog = 0;
  private readonly admin: ReturnType<Kafka['admin']>;
  private adminConnected = false;
  private readonly publishedCounter;
  published = 0;

  constructor(
    @Inject(INTAKE_POOL) private readonly pool: Pool,
    @Inject(INTAKE_KAFKA) private readonly kafka: Kafka,
    private readonly outbox: Outbox,
    private readonly producer: EventProducer,
    metrics: ServiceMetrics,
  ) {
    this.admin = kafka.admin({ retry: { retries: 0 } });
    this.publishedCounter = metrics.counter(
      METRICS.eventsPublished,
      'Case events published to Kafka from the outbox',
      ['topic'],
    );
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Called after a commit, so a report is published at once instead of at the next poll. */
  nudge(): void {
    this.wake?.();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.nudge();
    await this.loop;
    await this.admin.disconnect().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let delay = IDLE_POLL_MS;
      try {
        await this.probe();
        const count = await this.outbox.relayOnce(this.pool, (records) => this.publish(records));
        if (this.failures > 0) this.logger.log('outbox relay publishes again');
        this.failures = 0;
        if (count > 0) {
          this.published += count;
          if (count < FULL_ROUND) await new Promise((resolve) => setTimeout(resolve, LINGER_MS));
          continue;
        }
      } catch (error) {
        this.failures += 1;
        const base = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(this.failures, 10));
        delay = Math.round(base / 2 + Math.random() * (base / 2));
        // One line every 10 s at most while Kafka is away; reports keep being accepted.
        if (Date.now() - this.lastFailureLog > 10_000) {
          this.lastFailureLog = Date.now();
          this.logger.warn(
            `outbox relay cannot publish (${errorMessage(error)}); retrying in ${delay} ms`,
          );
        }
      }
      await this.sleep(delay);
    }
  }

  private async publish(records: OutboxRecord[]): Promise<void> {
    const byTopic = new Map<string, OutboxRecord[]>();
    for (const r of records) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
    for (const [topic, list] of byTopic) {
      await this.producer.send(topic, list, { settleWithinMs: SETTLE_WITHIN_MS });
      this.publishedCounter.inc({ topic }, list.length);
      // One line per event, in the trace of the request that reported it: ids only, never the value.
      for (const record of list)
        withTrace(traceFromRecordHeaders(record.headers), () =>
          this.logger.log(`${record.headers.ce_type ?? 'event'} published to ${topic}`),
        );
    }
  }

  private async probe(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('broker probe timed out')), PROBE_TIMEOUT_MS);
    });
    try {
      if (!this.adminConnected) {
        await Promise.race([this.admin.connect(), timeout]);
        this.adminConnected = true;
      }
      await Promise.race([this.admin.describeCluster(), timeout]);
    } catch (error) {
      this.adminConnected = false;
      await this.admin.disconnect().catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
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

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
