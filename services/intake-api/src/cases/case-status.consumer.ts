import { type EventName, decodeFromKafka, nameEvent, parseEventType } from '@beacon/events';
import { BatchConsumer, type IncomingRecord, type Kafka, startWithRetry } from '@beacon/kafka';
import { consumerCrashCounter, ServiceMetrics } from '@beacon/observability';
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
/** A batch with nothing relevant moves the stored position at most this often. */
const CHECKPOINT_EVERY_MS = 5_000;

function headerText(value: IncomingRecord['headers'][string]): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? null : first.toString();
}

function typeOf(record: IncomingRecord): ReturnType<typeof parseEventType> {
  const type = headerText(record.headers.ce_type);
  return type === null ? null : parseEventType(type);
}

function isRelevant(record: IncomingRecord): boolean {
  const parsed = typeOf(record);
  return parsed !== null && RELEVANT.has(parsed.name);
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
  private readonly checkpointedAt = new Map<string, number>();
  applied = 0;

  constructor(
    @Inject(INTAKE_CONFIG) config: IntakeConfig,
    @Inject(INTAKE_KAFKA) kafka: Kafka,
    @Inject(CASE_TOPIC) topic: string,
    @Inject(INTAKE_POOL) private readonly pool: Pool,
    private readonly personCases: PersonCasesRepository,
    metrics: ServiceMetrics,
  ) {
    this.checkpoints = new CheckpointStore('intake', config.CASE_STATUS_CONSUMER_GROUP);
    this.consumer = new BatchConsumer(kafka, {
      groupId: config.CASE_STATUS_CONSUMER_GROUP,
      topic,
      onError: (error) =>
        this.logger.warn(
          `case status consumer: ${error instanceof Error ? error.message : 'unknown error'}`,
        ),
      onCrash: consumerCrashCounter(metrics, config.CASE_STATUS_CONSUMER_GROUP),
      handler: {
        storedOffsets: (t) => this.checkpoints.load(this.pool, t),
        handleBatch: (t, partition, records) => this.apply(t, partition, records),
      },
      // Closures and erasures may take a quarter of a second longer to reach intake; in return
      // its share of the case topic arrives in a few large batches instead of many small ones.
      fetch: { minBytes: 256 * 1024, maxWaitTimeInMs: 250 },
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
    // Most batches hold nothing this consumer acts on. Such a batch costs no database work, and
    // its position is stored every few seconds only: after a restart, reading those events again
    // changes nothing.
    const at = `${topic}/${partition}`;
    if (
      !records.some((r) => isRelevant(r)) &&
      Date.now() - (this.checkpointedAt.get(at) ?? 0) < CHECKPOINT_EVERY_MS
    )
      return;
    this.checkpointedAt.set(at, Date.now());
    await withTransaction(this.pool, async (client) => {
      const next = await this.checkpoints.lock(client, topic, partition);
      const fresh = records.filter((r) => BigInt(r.offset) >= next);
      const last = fresh.at(-1);
      if (!last) return;
      for (const record of fresh) {
        // Most of the topic is irrelevant here: read the type header before decoding anything.
        const parsed = typeOf(record);
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
