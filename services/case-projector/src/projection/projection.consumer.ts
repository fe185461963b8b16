import { CASE_EVENTS_DLQ_TOPIC, CASE_EVENTS_TOPIC } from '@beacon/events';
import { BatchConsumer, createKafka, EventProducer, startWithRetry, topicName, type Kafka } from '@beacon/kafka';
import { type Pool } from '@beacon/persistence';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PROJECTOR_CONFIG, type ProjectorConfig } from '../projector.config';
import { ReadModelVersionsRepository } from '../read-models/read-model-versions.repository';
import { ReadModelRepository } from '../read-models/read-model.repository';
import { PROJECTOR_POOL } from '../read-models/read-models.module';
import { deadLetterRecords } from '../dead-letters/dead-letter.records';
import { CaseProjection } from './case.projection';

@Injectable()
export class ProjectionConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectionConsumer.name);
  private readonly kafka: Kafka;
  private readonly producer: EventProducer;
  private readonly consumer: BatchConsumer;
  private readonly projection: CaseProjection;
  appliedTotal = 0;
  deadLetteredTotal = 0;
  activeVersion: number | null = null;

  constructor(
    @Inject(PROJECTOR_CONFIG) config: ProjectorConfig,
    @Inject(PROJECTOR_POOL) readonly pool: Pool,
    versions: ReadModelVersionsRepository,
    readModels: ReadModelRepository,
  ) {
    this.kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'case-projector', topicPrefix: config.KAFKA_TOPIC_PREFIX });
    this.producer = new EventProducer(this.kafka);
    this.projection = new CaseProjection(pool, config.CONSUMER_GROUP, versions, readModels);
    const topic = topicName({ topicPrefix: config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_TOPIC);
    const dlq = topicName({ topicPrefix: config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_DLQ_TOPIC);
    this.consumer = new BatchConsumer(this.kafka, {
      groupId: config.CONSUMER_GROUP,
      topic,
      onError: (error) => this.logger.error(`consumer error: ${(error as Error).message}`),
      handler: {
        storedOffsets: (t) => this.projection.storedOffsets(t),
        handleBatch: async (t, partition, records) => {
          const outcome = await this.projection.apply(t, partition, records, (letters) =>
            this.producer.send(dlq, deadLetterRecords(letters)),
          );
          this.appliedTotal += outcome.applied;
          this.deadLetteredTotal += outcome.deadLettered.length;
          if (this.activeVersion !== outcome.version) {
            if (this.activeVersion !== null) this.logger.log(`now writing read-model version ${outcome.version}`);
            this.activeVersion = outcome.version;
          }
          // Coordinates and the reason only: the record itself may carry personal data.
          for (const letter of outcome.deadLettered) {
            this.logger.warn(`dead-lettered ${letter.record.topic}/${letter.record.partition}/${letter.record.offset}: ${letter.reason}`);
          }
        },
      },
    });
  }

  /** Starts consuming without holding up the HTTP server; retries while Kafka is unreachable. */
  onApplicationBootstrap(): void {
    void startWithRetry(() => this.consumer.start(), this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
  }
}
