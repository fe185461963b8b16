import { CASE_EVENTS_TOPIC } from '@beacon/events';
import { BatchConsumer, createKafka, EventProducer, startWithRetry, topicName, type Kafka } from '@beacon/kafka';
import { createPool, Outbox, OutboxRelay, type Pool } from '@beacon/persistence';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AlertDecisions } from './decisions/alert-decisions.service';
import { DeliveryWorker } from './deliveries/delivery.worker';
import { EmailChannel, type DeliveryChannel } from './deliveries/email.channel';
import { DISPATCHER_CONFIG, type DispatcherConfig } from './dispatcher.config';
import { RoutingService } from './routing/routing.service';

/** Wires the three loops of the dispatcher: decide (Kafka), deliver (queue), relay (outbox). */
@Injectable()
export class DispatcherService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DispatcherService.name);
  readonly pool: Pool;
  private readonly kafka: Kafka;
  private readonly producer: EventProducer;
  private readonly consumer: BatchConsumer;
  private readonly relay: OutboxRelay;
  private readonly worker: DeliveryWorker;
  private readonly channels: Map<string, DeliveryChannel>;

  constructor(@Inject(DISPATCHER_CONFIG) config: DispatcherConfig, routing: RoutingService) {
    this.pool = createPool(config.DATABASE_URL, 'alert-dispatcher');
    this.kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'alert-dispatcher', topicPrefix: config.KAFKA_TOPIC_PREFIX });
    this.producer = new EventProducer(this.kafka);
    const topic = topicName({ topicPrefix: config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_TOPIC);
    const outbox = new Outbox('alerting');
    this.channels = new Map<string, DeliveryChannel>([['email', new EmailChannel(config.SMTP_URL, config.MAIL_FROM)]]);
    this.relay = new OutboxRelay(this.pool, outbox, (records) => this.producer.send(topic, records));
    this.worker = new DeliveryWorker(this.pool, outbox, topic, this.channels, config.DELIVERY_POLL_MS, () => this.relay.nudge());
    const decisions = new AlertDecisions({
      pool: this.pool,
      outbox,
      topic,
      consumer: config.CONSUMER_GROUP,
      consoleUrl: config.PUBLIC_CONSOLE_URL,
      routing,
      channels: new Set(this.channels.keys()),
    });
    this.consumer = new BatchConsumer(this.kafka, {
      groupId: config.CONSUMER_GROUP,
      topic,
      onError: (error) => this.logger.error(`consumer error: ${(error as Error).message}`),
      handler: {
        storedOffsets: (t) => decisions.storedOffsets(t),
        handleBatch: async (t, partition, records) => {
          const { decided } = await decisions.apply(t, partition, records);
          if (decided > 0) {
            this.worker.nudge();
            this.relay.nudge();
          }
        },
      },
    });
  }

  onApplicationBootstrap(): void {
    this.relay.start();
    this.worker.start();
    void startWithRetry(() => this.consumer.start(), this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop().catch(() => undefined);
    await this.worker.stop();
    await this.relay.stop();
    await this.producer.disconnect().catch(() => undefined);
    for (const channel of this.channels.values()) channel.close();
    await this.pool.end();
  }
}
