import { CASE_EVENTS_DLQ_TOPIC, CASE_EVENTS_TOPIC } from '@beacon/events';
import { createKafka, topicName } from '@beacon/kafka';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { CONSOLE_CONFIG, type ConsoleConfig } from '../console.config';

type Admin = ReturnType<ReturnType<typeof createKafka>['admin']>;

/** Per partition: the first and the next offset of a topic (its log start and end). */
export interface TopicOffsets {
  topic: string;
  partitions: { partition: number; low: string; high: string }[];
}

export interface KafkaOffsets {
  caseEvents: TopicOffsets;
  deadLetters: TopicOffsets | null;
}

/**
 * What only Kafka knows: where each partition of the case topic ends (for consumer lag) and how
 * many records the dead-letter topic holds. Topic names and numbers only.
 */
@Injectable()
export class PipelineKafka implements OnApplicationShutdown {
  private readonly logger = new Logger(PipelineKafka.name);
  private admin: Admin | null = null;
  private connecting: Promise<Admin> | null = null;

  constructor(
    @Inject(CONSOLE_CONFIG)
    private readonly config: Pick<ConsoleConfig, 'KAFKA_BROKERS' | 'KAFKA_TOPIC_PREFIX'>,
  ) {}

  get configured(): boolean {
    return (this.config.KAFKA_BROKERS?.length ?? 0) > 0;
  }

  /** Null when no broker is configured; throws when the broker does not answer. */
  async offsets(): Promise<KafkaOffsets | null> {
    if (!this.configured) return null;
    const admin = await this.connect();
    const caseTopic = topicName({ topicPrefix: this.config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_TOPIC);
    const dlqTopic = topicName({ topicPrefix: this.config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_DLQ_TOPIC);
    const existing = new Set(await admin.listTopics());
    const read = async (topic: string): Promise<TopicOffsets> => ({
      topic,
      partitions: (await admin.fetchTopicOffsets(topic)).map((p) => ({
        partition: p.partition,
        low: p.low,
        high: p.high,
      })),
    });
    return {
      caseEvents: existing.has(caseTopic) ? await read(caseTopic) : { topic: caseTopic, partitions: [] },
      // The dead-letter topic appears with the first dead letter.
      deadLetters: existing.has(dlqTopic) ? await read(dlqTopic) : null,
    };
  }

  private async connect(): Promise<Admin> {
    if (this.admin) return this.admin;
    this.connecting ??= (async () => {
      const admin = createKafka({
        brokers: this.config.KAFKA_BROKERS ?? [],
        clientId: 'ops-console-pipeline',
        topicPrefix: this.config.KAFKA_TOPIC_PREFIX,
      }).admin();
      await admin.connect();
      this.admin = admin;
      return admin;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect().catch((error: unknown) => {
      this.logger.warn(`Kafka admin did not disconnect cleanly: ${String(error)}`);
    });
  }
}
