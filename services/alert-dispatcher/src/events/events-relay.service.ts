import { BrokerProbe, EventProducer, type Kafka } from '@beacon/kafka';
import { OutboxRelay, type Pool } from '@beacon/persistence';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ALERTING_POOL, KAFKA_CLIENT } from '../dispatcher.tokens';
import { LifecycleEvents } from './lifecycle-events.service';
import { DispatcherMetrics } from '../observability/dispatcher-metrics.service';

const PROBE_TIMEOUT_MS = 3_000;

/** Drains the dispatcher's outbox to the case topic; nudged after every commit that wrote to it. */
@Injectable()
export class EventsRelay {
  private readonly logger = new Logger(EventsRelay.name);
  private readonly producer: EventProducer;
  private readonly probe: BrokerProbe;
  private readonly relay: OutboxRelay;

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
      (records) => this.producer.send(events.topic, records),
      {
        // The delivery worker records outcomes in this outbox under the same per-case locks;
        // a round must not hold them while a dead broker times out.
        ready: () => this.brokerAnswers(),
        listener: {
          published: (count) => {
            if (failing) this.logger.log('lifecycle events are published again');
            failing = false;
            metrics.published.inc({ topic: events.topic }, count);
          },
          failed: (error, retryInMs) => {
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
  }

  async stop(): Promise<void> {
    await this.relay.stop();
    await this.probe.close();
    await this.producer.disconnect().catch(() => undefined);
  }

  private async brokerAnswers(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.probe.check(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('broker probe timed out')), PROBE_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
