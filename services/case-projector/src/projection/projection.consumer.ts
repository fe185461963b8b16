import { CASE_EVENTS_DLQ_TOPIC, CASE_EVENTS_TOPIC } from '@beacon/events';
import { BatchConsumer, createKafka, EventProducer, startWithRetry, topicName, type Kafka } from '@beacon/kafka';
import { createPool, type Pool } from '@beacon/persistence';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PROJECTOR_CONFIG, type ProjectorConfig } from '../projector.config';
import { CaseProjection, type DeadLetter } from './case.projection';

export function deadLetterRecords(letters: DeadLetter[]) {
  return letters.map(({ record, reason, message }) => ({
    key: record.key?.toString('utf8') ?? '',
    value: record.value?.toString('utf8') ?? '',
    headers: {
      ...Object.fromEntries(
        Object.entries(record.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? String(v[0]) : String(v)]])),
      ),
      'beacon-dlq-reason': reason,
      'beacon-dlq-message': message.slice(0, 500),
      'beacon-dlq-source': `${record.topic}/${record.partition}/${record.offset}`,
    },
  }));
}

@Injectable()
export class ProjectionConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectionConsumer.name);
  readonly pool: Pool;
  private readonly kafka: Kafka;
  private readonly producer: EventProducer;
  private readonly consumer: BatchConsumer;
  private readonly projection: CaseProjection;
  appliedTotal = 0;

  constructor(@Inject(PROJECTOR_CONFIG) config: ProjectorConfig) {
    this.pool = createPool(config.DATABASE_URL, 'case-projector');
    this.kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'case-projector', topicPrefix: config.KAFKA_TOPIC_PREFIX });
    this.producer = new EventProducer(this.kafka);
    this.projection = new CaseProjection(this.pool, config.CONSUMER_GROUP);
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
    await this.pool.end();
  }
}
