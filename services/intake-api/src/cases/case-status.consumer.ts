import { type EventName, decodeFromKafka, nameEvent, parseEventType } from '@beacon/events';
import { BatchConsumer, type IncomingRecord, type Kafka, startWithRetry } from '@beacon/kafka';
import { CheckpointStore, withTransaction } from '@beacon/persistence';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type Pool } from 'pg';
import { INTAKE_CONFIG, type IntakeConfig } from '../intake.config';
import { CASE_TOPIC, INTAKE_KAFKA, INTAKE_POOL } from '../intake.tokens';
import { PersonCasesRepository } from './person-cases.repository';

const RELEVANT: ReadonlySet<EventName> = new Set(['case-closed', 'case-reopened', 'record-erased']);

function headerText(value: IncomingRecord['headers'][string]): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? null : first.toString();
}

/**
 * Follows the case topic for closures, reopenings and erasures, so a person in a closed case
 * opens a new one. Its position is stored with the mapping, in one transaction per batch.
 */
@Injectable()
export class CaseStatusConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CaseStatusConsumer.name);
  private readonly consumer: BatchConsumer;
  private readonly checkpoints: CheckpointStore;
  private running = false;
  private starting: Promise<void> = Promise.resolve();
  applied = 0;

  constructor(
    @Inject(INTAKE_CONFIG) config: IntakeConfig,
    @Inject(INTAKE_KAFKA) kafka: Kafka,
    @Inject(CASE_TOPIC) topic: string,
    @Inject(INTAKE_POOL) private readonly pool: Pool,
    private readonly personCases: PersonCasesRepository,
  ) {
    this.checkpoints = new CheckpointStore('intake', config.CASE_STATUS_CONSUMER_GROUP);
    this.consumer = new BatchConsumer(kafka, {
      groupId: config.CASE_STATUS_CONSUMER_GROUP,
      topic,
      onError: (error) =>
        this.logger.warn(
          `case status consumer: ${error instanceof Error ? error.message : 'unknown error'}`,
        ),
      handler: {
        storedOffsets: (t) => this.checkpoints.load(this.pool, t),
        handleBatch: (t, partition, records) => this.apply(t, partition, records),
      },
    });
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.starting = startWithRetry(async () => {
      if (this.running) await this.consumer.start();
    }, this.logger);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    // Disconnecting a consumer that is still joining its group leaves kafkajs requests dangling.
    await this.starting;
    await this.consumer.stop().catch(() => undefined);
  }

  async apply(topic: string, partition: number, records: readonly IncomingRecord[]): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      const next = await this.checkpoints.lock(client, topic, partition);
      const fresh = records.filter((r) => BigInt(r.offset) >= next);
      const last = fresh.at(-1);
      if (!last) return;
      for (const record of fresh) {
        // Most of the topic is irrelevant here: read the type header before decoding anything.
        const type = headerText(record.headers.ce_type);
        const parsed = type === null ? null : parseEventType(type);
        if (!parsed || !RELEVANT.has(parsed.name)) continue;
        const decoded = decodeFromKafka(record);
        if (!decoded.ok) {
          // The projector dead-letters it; here it cannot change a mapping.
          this.logger.warn(
            `skipped unreadable ${parsed.name} at ${topic}/${partition}/${record.offset}: ${decoded.reason}`,
          );
          continue;
        }
        const named = nameEvent(decoded.event);
        if (named.name === 'case-closed') {
          await this.personCases.close(client, named.event.subject, named.event.occurredat);
        } else if (named.name === 'case-reopened') {
          await this.personCases.reopen(client, named.event.subject);
        } else if (named.name === 'record-erased') {
          await this.personCases.erase(client, named.event.subject, named.event.data.personRef);
        } else {
          continue;
        }
        this.applied += 1;
      }
      await this.checkpoints.advance(client, topic, partition, BigInt(last.offset) + 1n);
    });
  }
}
