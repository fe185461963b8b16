import { EventProducer, type Kafka } from '@beacon/kafka';
import { OutboxRelay, type Pool } from '@beacon/persistence';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ALERTING_POOL, KAFKA_CLIENT } from '../dispatcher.tokens';
import { LifecycleEvents } from './lifecycle-events.service';
import { DispatcherMetrics } from '../observability/dispatcher-metrics.service';

/** Drains the dispatcher's outbox to the case topic; nudged after every commit that wrote to it. */
@Injectable()
export class EventsRelay {
  private readonly logger = new Logger(EventsRelay.name);
  private readonly producer: EventProducer;
  private readonly relay: OutboxRelay;

  constructor(
    @Inject(ALERTING_POOL) pool: Pool,
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    events: LifecycleEvents,
    metrics: DispatcherMetrics,
  ) {
    this.producer = new EventProducer(kafka);
    let warned = false;
    this.relay = new OutboxRelay(
      pool,
      events.outbox,
      (records) => this.producer.send(events.topic, records),
      {
        listener: {
          published: (count) => {
            warned = false;
            metrics.published.inc({ topic: events.topic }, count);
          },
          failed: (error, retryInMs) => {
            if (warned) return;
            warned = true;
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
    await this.producer.disconnect().catch(() => undefined);
  }
}
