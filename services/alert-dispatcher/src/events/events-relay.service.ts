import { BrokerProbe, EventProducer, type Kafka } from '@beacon/kafka';
import { OutboxRelay, type Pool } from '@beacon/persistence';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ALERTING_POOL, KAFKA_CLIENT } from '../dispatcher.tokens';
import { LifecycleEvents } from './lifecycle-events.service';
import { DispatcherMetrics } from '../observability/dispatcher-metrics.service';

const PROBE_TIMEOUT_MS = 3_000;
/**
 * Under load, rounds start at least this far apart. Every decision and every settled send
 * nudges the relay; without a pause each round would carry an event or two, each its own
 * transaction, broker probe and produce request, and each read back by the decision
 * consumers as a batch of its own.
 */
const LINGER_MS = 100;
const IDLE_POLL_MS = 1_000;
/**
 * A broker that took a round's records or answered the probe this recently is not asked
 * again. Should it die in between, that one round waits out the producer's timeout holding its
 * keys, as every round did before the probe; the rounds after it probe again.
 */
const ANSWER_FRESH_MS = 250;
/**
 * A send cut off by a dying broker is tried again, unchanged, for this long while the round keeps
 * its cases' locks, so no other instance sends those records anew: the broker drops the copy it
 * may already have. Well inside a delivery lease, which waits on the same locks.
 */
const SETTLE_WITHIN_MS = 8_000;

/** Drains the dispatcher's outbox to the case topic; nudged after every commit that wrote to it. */
@Injectable()
export class EventsRelay {
  private readonly logger = new Logger(EventsRelay.name);
  private readonly producer: EventProducer;
  private readonly probe: BrokerProbe;
  private readonly relay: OutboxRelay;
  private lastRound = 0;
  private answeredAt = 0;
  private renudge: NodeJS.Timeout | null = null;

  constructor(
    @Inject(ALERTING_POOL) pool: Pool,
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    events: LifecycleEvents,
    metrics: DispatcherMetrics,
  ) {
    this.producer = new EventProducer(kafka);
    this.probe = new BrokerProbe(kafka);
    let failing = false;
    let lastWarning = 0;
    this.relay = new OutboxRelay(
      pool,
      events.outbox,
      (records) => this.producer.send(events.topic, records, { settleWithinMs: SETTLE_WITHIN_MS }),
      {
        // Every commit that writes to the outbox nudges the relay; polling only picks up what
        // another instance left behind.
        idlePollMs: IDLE_POLL_MS,
        // The delivery worker records outcomes in this outbox under the same per-case locks;
        // a round must not hold them while a dead broker times out.
        ready: async () => {
          await this.linger();
          await this.brokerAnswers();
        },
        listener: {
          published: (count) => {
            this.answeredAt = Date.now();
            if (failing) this.logger.log('lifecycle events are published again');
            failing = false;
            metrics.published.inc({ topic: events.topic }, count);
          },
          failed: (error, retryInMs) => {
            this.answeredAt = 0;
            failing = true;
            // One line every 10 s at most while Kafka is away.
            if (Date.now() - lastWarning < 10_000) return;
            lastWarning = Date.now();
            this.logger.warn(
              `cannot publish lifecycle events yet (${(error as Error).message}); retrying in ${retryInMs} ms`,
            );
          },
        },
      },
    );
  }

  start(): void {
    this.relay.start();
  }

  nudge(): void {
    this.relay.nudge();
    // A nudge that lands while a round is under way wakes nothing; a second one shortly after
    // keeps what was just committed from waiting for the idle poll.
    this.renudge ??= setTimeout(() => {
      this.renudge = null;
      this.relay.nudge();
    }, LINGER_MS * 2).unref();
  }

  async stop(): Promise<void> {
    if (this.renudge) clearTimeout(this.renudge);
    await this.relay.stop();
    await this.probe.close();
    await this.producer.disconnect().catch(() => undefined);
  }

  private async linger(): Promise<void> {
    const wait = this.lastRound + LINGER_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.lastRound = Date.now();
  }

  private async brokerAnswers(): Promise<void> {
    // Under load a round follows the last within the linger: asking the broker before each
    // would double the requests the relay makes.
    if (Date.now() - this.answeredAt < ANSWER_FRESH_MS) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.probe.check(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('broker probe timed out')), PROBE_TIMEOUT_MS);
        }),
      ]);
      this.answeredAt = Date.now();
    } finally {
      clearTimeout(timer);
    }
  }
}
