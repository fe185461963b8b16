import { type CaseEvent, decodeFromKafka } from '@beacon/events';
import { BatchConsumer, type IncomingRecord, type Kafka } from '@beacon/kafka';
import { CheckpointStore, withTransaction, type Pool } from '@beacon/persistence';
import { type DeadLetter } from '../projection/case.projection';
import { type PositionedEvent, type ReadModelRepository, type StoredCaseCache } from '../read-models/read-model.repository';

const GAP_PATIENCE_MS = 60_000;

/**
 * A record as a window holds it: decoded when it arrives, so that only the event (or, for a record
 * that cannot be read, the record itself) stays in memory until the window is written. The raw
 * records, a dozen buffers each, then die young instead of surviving into the old generation.
 */
type Fetched = { partition: number; offset: string; position: bigint } & (
  | { event: CaseEvent; poison?: undefined }
  | { event?: undefined; poison: DeadLetter }
);

function fetched(record: IncomingRecord): Fetched {
  const { partition, offset } = record;
  const position = BigInt(offset);
  const decoded = decodeFromKafka(record);
  return decoded.ok
    ? { partition, offset, position, event: decoded.event }
    : { partition, offset, position, poison: { record, reason: decoded.reason, message: decoded.message } };
}

/** Records of one partition by offset; they almost always arrive so, and are then left alone. */
function inOffsetOrder(items: Fetched[]): Fetched[] {
  if (items.every((item, i) => i === 0 || item.position > items[i - 1]!.position)) return items;
  return [...items].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
}

export interface WindowedConsumerOptions {
  kafka: Kafka;
  pool: Pool;
  readModels: ReadModelRepository;
  topic: string;
  groupId: string;
  /** Checkpoint consumer name of the version being built. */
  checkpointConsumer: string;
  version: number;
  windowEvents: number;
  cache: StoredCaseCache;
  clock?: () => Date;
}

/**
 * Consumes into a version that nothing else writes, many Kafka batches per transaction: while one
 * window is written to Postgres, the next is fetched. Positions and read models still commit
 * together; a crash loses only the unwritten windows, which are fetched again from the checkpoints.
 */
export class WindowedProjectionConsumer {
  private readonly consumer: BatchConsumer;
  private readonly checkpoints: CheckpointStore;
  private readonly clock: () => Date;
  private buffer: Fetched[] = [];
  private inflight: Promise<void> | null = null;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failure: Error | null = null;
  private readonly failed: Promise<never>;
  private fail!: (error: Error) => void;
  /** Next offset per partition, as this consumer committed it. */
  readonly positions = new Map<number, bigint>();
  /** What this consumer last committed per partition: a different checkpoint means another wrote it since. */
  private readonly committedHere = new Map<number, bigint>();
  private readonly gapSince = new Map<number, number>();
  /** Records this build could not read, with where they were; dead-lettered at switch-over if live never saw them. */
  readonly poison: DeadLetter[] = [];
  applied = 0;
  duplicates = 0;
  firstRecordAt: number | null = null;

  constructor(private readonly options: WindowedConsumerOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.checkpoints = new CheckpointStore('projection', options.checkpointConsumer);
    this.failed = new Promise<never>((_, reject) => {
      this.fail = reject;
    });
    this.failed.catch(() => undefined);
    this.consumer = new BatchConsumer(options.kafka, {
      groupId: options.groupId,
      topic: options.topic,
      onError: (error) => this.abort(error instanceof Error ? error : new Error(String(error))),
      handler: {
        storedOffsets: (t) => this.checkpoints.load(options.pool, t),
        handleBatch: (_t, _p, records) => this.accept(records),
      },
    });
  }

  async start(): Promise<void> {
    for (const [partition, offset] of await this.checkpoints.load(this.options.pool, this.options.topic)) {
      this.positions.set(partition, BigInt(offset));
    }
    await this.consumer.start();
  }

  /** Rejects when a window cannot be written: the run stops, and resumes from the checkpoints. */
  whenFailed(): Promise<never> {
    return this.failed;
  }

  position(partition: number): bigint {
    return this.positions.get(partition) ?? 0n;
  }

  /**
   * Stops writing: the window being written finishes, what was fetched but not written is dropped,
   * and nothing more is written. Quick; the Kafka client is closed by close().
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.idleTimer);
    await this.inflight?.catch(() => undefined);
    this.buffer = [];
  }

  /** Leaves the consumer group; a fetch waiting on the broker can hold this up for seconds. */
  async close(): Promise<void> {
    await this.stop();
    await this.consumer.stop().catch(() => undefined);
  }

  /**
   * Records past the checkpoint with a hole before them come from a fetch that began at the
   * group's Kafka offset before the seek to the checkpoint took effect (after a rebalance): they
   * are dropped and fetched again from the checkpoint. A hole that stays is a log that lost
   * records, and a rebuild from it would be silently wrong.
   */
  private checkGap(topic: string, partition: number, gap: { expected: bigint; got: bigint } | null): void {
    if (gap === null) {
      this.gapSince.delete(partition);
      return;
    }
    const since = this.gapSince.get(partition) ?? Date.now();
    this.gapSince.set(partition, since);
    if (Date.now() - since > GAP_PATIENCE_MS) {
      throw new Error(`${topic}/${partition}: expected offset ${gap.expected}, got ${gap.got}; the log has a gap`);
    }
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private abort(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.fail(error);
  }

  private async accept(records: readonly IncomingRecord[]): Promise<void> {
    this.throwIfFailed();
    if (this.stopped) return;
    this.firstRecordAt ??= Date.now();
    for (const record of records) this.buffer.push(fetched(record));
    clearTimeout(this.idleTimer);
    if (this.buffer.length >= this.options.windowEvents) {
      // At most one window in Postgres and one filling: wait for the previous write first.
      await this.inflight;
      this.throwIfFailed();
      this.flush();
    } else {
      this.idleTimer = setTimeout(() => {
        if (!this.inflight && !this.stopped) this.flush();
      }, 100);
    }
  }

  private flush(): void {
    if (this.buffer.length === 0 || this.stopped) return;
    const window = this.buffer;
    this.buffer = [];
    this.inflight = this.write(window)
      .catch((error: unknown) => {
        this.options.cache.clear();
        this.abort(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => {
        this.inflight = null;
        if (this.buffer.length > 0 && !this.stopped) {
          clearTimeout(this.idleTimer);
          this.idleTimer = setTimeout(() => {
            if (!this.inflight && !this.stopped) this.flush();
          }, 100);
        }
      });
  }

  private async write(window: Fetched[]): Promise<void> {
    const { pool, topic, readModels, version, cache } = this.options;
    const byPartition = new Map<number, Fetched[]>();
    for (const item of window) {
      const list = byPartition.get(item.partition);
      if (list) list.push(item);
      else byPartition.set(item.partition, [item]);
    }
    const partitions = [...byPartition.keys()].sort((a, b) => a - b);
    const committed = await withTransaction(pool, async (client) => {
      // A crash loses at most the last windows, and their checkpoints with them: they are replayed.
      // A window's rows are unnested in memory, not spilled to temporary files.
      await client.query(`SET LOCAL synchronous_commit = off; SET LOCAL work_mem = '64MB'`);
      const events: PositionedEvent[] = [];
      const poison: DeadLetter[] = [];
      const advanced = new Map<number, bigint>();
      for (const partition of partitions) {
        let next = await this.checkpoints.lock(client, topic, partition);
        const ours = this.committedHere.get(partition);
        // Another consumer of the group wrote this partition after a rebalance: cached cases may be stale.
        if (ours !== undefined && ours !== next) cache.clear();
        // A re-fetch after a seek can repeat records; each offset is taken once, in order.
        const items = inOffsetOrder(byPartition.get(partition)!);
        const start = next;
        let gapAt: bigint | null = null;
        for (const item of items) {
          if (item.position < next) continue;
          if (item.position > next) {
            gapAt = item.position;
            break;
          }
          next = item.position + 1n;
          if (item.event) events.push(item);
          else poison.push(item.poison);
        }
        if (next !== start) {
          await this.checkpoints.advance(client, topic, partition, next);
          advanced.set(partition, next);
        }
        this.checkGap(topic, partition, gapAt === null || next !== start ? null : { expected: next, got: gapAt });
      }
      const outcome = await readModels.write(client, version, events, this.clock(), { cache, lockRows: false });
      return { advanced, outcome, poison };
    });
    for (const [partition, next] of committed.advanced) {
      this.positions.set(partition, next);
      this.committedHere.set(partition, next);
    }
    this.poison.push(...committed.poison);
    this.applied += committed.outcome.applied;
    this.duplicates += committed.outcome.duplicates;
  }
}
