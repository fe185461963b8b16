import { EventProducer } from '@beacon/kafka';
import { Outbox, OutboxRelay } from '@beacon/persistence';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Pool } from 'pg';
import { INTAKE_POOL } from '../intake.tokens';

/**
 * Publishes committed reports from the outbox to Kafka. Runs in every intake instance;
 * per-case advisory locks keep instances from publishing one case twice or out of order.
 */
@Injectable()
export class RelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RelayService.name);
  private readonly relay: OutboxRelay;
  private lastFailureLog = 0;

  constructor(@Inject(INTAKE_POOL) pool: Pool, outbox: Outbox, private readonly producer: EventProducer) {
    this.relay = new OutboxRelay(
      pool,
      outbox,
      async (records) => {
        const byTopic = new Map<string, typeof records>();
        for (const r of records) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
        for (const [topic, list] of byTopic) await producer.send(topic, list);
      },
      {
        listener: {
          failed: (error, retryInMs) => {
            // One line every 10 s at most while Kafka is away; reports keep being accepted.
            if (Date.now() - this.lastFailureLog > 10_000) {
              this.lastFailureLog = Date.now();
              this.logger.warn(`outbox relay cannot publish (${errorMessage(error)}); retrying in ${retryInMs} ms`);
            }
          },
        },
      },
    );
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  nudge(): void {
    this.relay.nudge();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.producer.disconnect().catch(() => undefined);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
