import { BatchConsumer, startWithRetry, type Kafka } from '@beacon/kafka';
import { type Pool } from '@beacon/persistence';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ChannelRegistry } from './channels/channel-registry.service';
import { AlertDecisions, type Decided } from './decisions/alert-decisions.service';
import { DeliveryWorker } from './deliveries/delivery.worker';
import { DISPATCHER_CONFIG, type DispatcherConfig } from './dispatcher.config';
import { ALERTING_POOL, KAFKA_CLIENT } from './dispatcher.tokens';
import { TimersWorker } from './escalation/timers.worker';
import { EventsRelay } from './events/events-relay.service';
import { LifecycleEvents } from './events/lifecycle-events.service';
import { DispatcherMetrics } from './observability/dispatcher-metrics.service';
import { InstanceRegistry } from './routing/instance-registry.service';

/**
 * Starts and stops the dispatcher's loops in order: decide (Kafka), deliver (queue), clock
 * (escalations, held updates), relay (outbox), and the SMPP bind.
 */
@Injectable()
export class DispatcherService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DispatcherService.name);
  private readonly consumers: BatchConsumer[];
  private running = false;
  private starting: Promise<void>[] = [];

  constructor(
    @Inject(DISPATCHER_CONFIG) config: DispatcherConfig,
    @Inject(ALERTING_POOL) private readonly pool: Pool,
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    events: LifecycleEvents,
    decisions: AlertDecisions,
    private readonly relay: EventsRelay,
    private readonly deliveries: DeliveryWorker,
    private readonly timers: TimersWorker,
    private readonly channels: ChannelRegistry,
    private readonly instances: InstanceRegistry,
    metrics: DispatcherMetrics,
  ) {
    const consumer = () =>
      new BatchConsumer(kafka, {
        groupId: config.CONSUMER_GROUP,
        topic: events.topic,
        onError: (error) => this.logger.error(`consumer error: ${(error as Error).message}`),
        onCrash: metrics.consumerCrashed,
        handler: {
          storedOffsets: (t) => decisions.storedOffsets(t),
          handleBatch: async (t, partition, records) => {
            let outcome: Decided;
            try {
              outcome = await decisions.apply(t, partition, records);
            } catch (error) {
              // kafkajs retries the batch from the stored offset; say why, or the stall is silent.
              this.logger.error(
                `deciding partition ${partition} failed, retrying: ${(error as Error).message}`,
              );
              throw error;
            }
            // Committed: the pages it queued go straight to the delivery worker.
            this.deliveries.hand(outcome.queued);
            if (outcome.rescan) this.deliveries.nudge();
            if (outcome.decided > 0) this.relay.nudge();
          },
        },
      });
    this.consumers = Array.from({ length: config.DECISION_CONSUMERS }, consumer);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.channels.start();
    this.relay.start();
    this.deliveries.start();
    this.timers.start();
    await this.instances.start();
    this.running = true;
    this.starting = this.consumers.map((consumer) =>
      startWithRetry(async () => {
        if (this.running) await consumer.start();
      }, this.logger),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    // Stopping a consumer that is still joining its group leaves kafkajs requests dangling.
    await Promise.all(this.starting);
    await Promise.all(this.consumers.map((c) => c.stop().catch(() => undefined)));
    await this.timers.stop();
    await this.deliveries.stop();
    await this.relay.stop();
    await this.instances.stop();
    await this.channels.close();
    await this.pool.end();
  }
}
