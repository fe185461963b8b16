import { CASE_EVENTS_DLQ_TOPIC, CASE_EVENTS_TOPIC } from '@beacon/events';
import { createKafka, ensureTopics, EventProducer, topicName, type Kafka } from '@beacon/kafka';
import { createPool, Outbox, TableUpkeep } from '@beacon/persistence';
import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { type Pool } from 'pg';
import { INTAKE_CONFIG, type IntakeConfig } from '../intake.config';
import { CASE_TOPIC, INTAKE_KAFKA, INTAKE_POOL } from '../intake.tokens';
import { RelayService } from './relay.service';

@Global()
@Module({
  providers: [
    {
      provide: INTAKE_POOL,
      inject: [INTAKE_CONFIG],
      useFactory: (config: IntakeConfig): Pool =>
        createPool(config.DATABASE_URL, 'intake-api', config.DATABASE_POOL_SIZE),
    },
    {
      provide: INTAKE_KAFKA,
      inject: [INTAKE_CONFIG],
      useFactory: (config: IntakeConfig): Kafka =>
        createKafka({
          brokers: config.KAFKA_BROKERS,
          clientId: 'intake-api',
          topicPrefix: config.KAFKA_TOPIC_PREFIX,
        }),
    },
    {
      provide: CASE_TOPIC,
      inject: [INTAKE_CONFIG],
      useFactory: (config: IntakeConfig): string =>
        topicName({ topicPrefix: config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_TOPIC),
    },
    { provide: Outbox, useValue: new Outbox('intake') },
    {
      provide: TableUpkeep,
      inject: [INTAKE_POOL, INTAKE_CONFIG],
      useFactory: (pool: Pool, config: IntakeConfig) =>
        new TableUpkeep(pool, {
          schemas: ['intake', 'vault'],
          intervalMs: config.TABLE_UPKEEP_INTERVAL_MS,
          log: new Logger(TableUpkeep.name),
        }),
    },
    {
      provide: EventProducer,
      inject: [INTAKE_KAFKA],
      useFactory: (kafka: Kafka) => new EventProducer(kafka),
    },
    RelayService,
  ],
  exports: [INTAKE_POOL, INTAKE_KAFKA, CASE_TOPIC, Outbox, RelayService],
})
export class OutboxModule implements OnApplicationShutdown {
  constructor(@Inject(INTAKE_POOL) private readonly pool: Pool) {}

  /** Nest stops every worker (before-shutdown hooks) before any shutdown hook runs. */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/** Topics are created explicitly; the broker's auto-creation is off. */
export async function ensureCaseTopics(kafka: Kafka, config: IntakeConfig): Promise<void> {
  const prefix = { topicPrefix: config.KAFKA_TOPIC_PREFIX };
  await ensureTopics(kafka, [
    { topic: topicName(prefix, CASE_EVENTS_TOPIC), numPartitions: config.KAFKA_TOPIC_PARTITIONS },
    { topic: topicName(prefix, CASE_EVENTS_DLQ_TOPIC), numPartitions: 1 },
  ]);
}
