import { createKafka, type IncomingRecord, type Kafka } from '@beacon/kafka';
import { type Pool } from '@beacon/persistence';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type DeadLetter } from '../projection/case.projection';
import { type ProjectorConfig } from '../projector.config';
import { type ReadModelRepository, StoredCaseCache } from '../read-models/read-model.repository';
import { WindowedProjectionConsumer } from './rebuild.consumer';

/** Everything a replay needs that can cross into a worker thread. */
export interface ReplaySpec {
  config: ProjectorConfig;
  topic: string;
  groupId: string;
  checkpointConsumer: string;
  version: number;
}

export interface ReplayTotals {
  applied: number;
  duplicates: number;
  poison: DeadLetter[];
  firstRecordAt: number | null;
}

/** One or more windowed consumers of one consumer group replaying into a version being built. */
export interface ReplayRunner {
  start(): Promise<void>;
  /** The next offset the replay will apply in `partition`. */
  position(partition: number): bigint;
  applied(): number;
  firstRecordAt(): number | null;
  whenFailed(): Promise<never>;
  /** Stops writing (windows being written finish) and reports what was replayed. */
  stop(): Promise<ReplayTotals>;
  /** Releases Kafka clients and threads, after stop(). */
  close(): Promise<void>;
}

export function windowedConsumer(spec: ReplaySpec, pool: Pool, kafka: Kafka, readModels: ReadModelRepository): WindowedProjectionConsumer {
  return new WindowedProjectionConsumer({
    kafka,
    pool,
    readModels,
    topic: spec.topic,
    groupId: spec.groupId,
    checkpointConsumer: spec.checkpointConsumer,
    version: spec.version,
    windowEvents: spec.config.REBUILD_WINDOW_EVENTS,
    cache: new StoredCaseCache(spec.config.REBUILD_CACHE_CASES),
  });
}

/** In the calling thread: for tests, and for machines with one core. */
export class InProcessReplay implements ReplayRunner {
  private readonly consumer: WindowedProjectionConsumer;

  constructor(spec: ReplaySpec, pool: Pool, kafka: Kafka, readModels: ReadModelRepository) {
    this.consumer = windowedConsumer(spec, pool, kafka, readModels);
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  position(partition: number): bigint {
    return this.consumer.position(partition);
  }

  applied(): number {
    return this.consumer.applied;
  }

  firstRecordAt(): number | null {
    return this.consumer.firstRecordAt;
  }

  whenFailed(): Promise<never> {
    return this.consumer.whenFailed();
  }

  async stop(): Promise<ReplayTotals> {
    await this.consumer.stop();
    const { applied, duplicates, poison, firstRecordAt } = this.consumer;
    return { applied, duplicates, poison, firstRecordAt };
  }

  close(): Promise<void> {
    return this.consumer.close();
  }
}

/** Messages from a replay worker thread. */
export type ReplayWorkerMessage =
  | { type: 'progress'; positions: [number, string][]; applied: number; firstRecordAt: number | null }
  | { type: 'failed'; message: string }
  | {
      type: 'stopped';
      positions: [number, string][];
      applied: number;
      duplicates: number;
      firstRecordAt: number | null;
      poison: { record: IncomingRecord; reason: string; message: string }[];
    };

/**
 * Several consumers of the group, each in its own worker thread with its own Kafka client and
 * database connections, so that decoding and folding use every core. Kafka spreads the partitions
 * over them; each writes and checkpoints only its own.
 */
export class WorkerThreadReplay implements ReplayRunner {
  private readonly workers: Worker[] = [];
  private readonly positions = new Map<number, bigint>();
  private readonly appliedBy = new Map<Worker, number>();
  private readonly firstAt = new Map<Worker, number>();
  private readonly stoppedWith = new Map<Worker, Extract<ReplayWorkerMessage, { type: 'stopped' }>>();
  private readonly onStopped = new Map<Worker, () => void>();
  private readonly exited = new Set<Worker>();
  private readonly failed: Promise<never>;
  private fail!: (error: Error) => void;
  private failure: Error | null = null;

  constructor(
    private readonly spec: ReplaySpec,
    private readonly count: number,
  ) {
    this.failed = new Promise<never>((_, reject) => {
      this.fail = reject;
    });
    this.failed.catch(() => undefined);
  }

  start(): Promise<void> {
    for (let i = 0; i < this.count; i++) {
      const worker = new Worker(path.join(__dirname, 'rebuild.worker.js'), {
        workerData: this.spec,
        // Without a limit V8 lets a busy heap grow far before collecting it. Twice the default
        // young generation: the events a window holds until it is written are scavenged half as
        // often, which saves more CPU than the 48 MB per thread it costs.
        resourceLimits: { maxOldGenerationSizeMb: 768, maxYoungGenerationSizeMb: 96 },
      });
      worker.on('message', (message: ReplayWorkerMessage) => this.receive(worker, message));
      worker.on('error', (error) => this.abort(error));
      worker.on('exit', (code) => {
        this.exited.add(worker);
        if (!this.stoppedWith.has(worker)) this.abort(new Error(`a replay worker exited with code ${code} before it was stopped`));
      });
      this.workers.push(worker);
    }
    return Promise.resolve();
  }

  position(partition: number): bigint {
    return this.positions.get(partition) ?? 0n;
  }

  applied(): number {
    return [...this.appliedBy.values()].reduce((a, b) => a + b, 0);
  }

  firstRecordAt(): number | null {
    const all = [...this.firstAt.values()];
    return all.length === 0 ? null : Math.min(...all);
  }

  whenFailed(): Promise<never> {
    return this.failed;
  }

  async stop(): Promise<ReplayTotals> {
    const stopped = this.workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (this.stoppedWith.has(worker) || this.exited.has(worker)) return resolve();
          this.onStopped.set(worker, resolve);
          worker.once('exit', () => resolve());
          worker.postMessage({ type: 'stop' });
        }),
    );
    await Promise.all(stopped);
    const reports = [...this.stoppedWith.values()];
    return {
      applied: reports.reduce((sum, r) => sum + r.applied, 0),
      duplicates: reports.reduce((sum, r) => sum + r.duplicates, 0),
      poison: reports.flatMap((r) => r.poison.map((letter) => ({ ...letter, record: asBuffers(letter.record) }))),
      firstRecordAt: this.firstRecordAt(),
    };
  }

  /** Each worker leaves the group and ends once it has reported; waits for all of them. */
  async close(): Promise<void> {
    await this.stop();
    await Promise.all(
      this.workers.map((worker) => (this.exited.has(worker) ? Promise.resolve() : new Promise<void>((resolve) => worker.once('exit', () => resolve())))),
    );
  }

  private receive(worker: Worker, message: ReplayWorkerMessage): void {
    switch (message.type) {
      case 'progress':
      case 'stopped':
        for (const [partition, offset] of message.positions) {
          const next = BigInt(offset);
          if (next > (this.positions.get(partition) ?? 0n)) this.positions.set(partition, next);
        }
        this.appliedBy.set(worker, message.applied);
        if (message.firstRecordAt !== null) this.firstAt.set(worker, message.firstRecordAt);
        if (message.type === 'stopped') {
          this.stoppedWith.set(worker, message);
          this.onStopped.get(worker)?.();
        }
        break;
      case 'failed':
        this.abort(new Error(message.message));
        break;
    }
  }

  private abort(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.fail(error);
  }
}

/** Structured cloning turns Buffers into plain Uint8Arrays; the dead-letter writer wants Buffers. */
function asBuffers(record: IncomingRecord): IncomingRecord {
  const buffer = (value: Uint8Array | string | null): Buffer | null =>
    value === null ? null : typeof value === 'string' ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return {
    ...record,
    key: buffer(record.key),
    value: buffer(record.value),
    headers: Object.fromEntries(
      Object.entries(record.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => buffer(x) ?? '') : v === undefined ? undefined : (buffer(v) ?? undefined)]),
    ),
  };
}

export function kafkaFor(config: ProjectorConfig, clientId: string): Kafka {
  return createKafka({ brokers: config.KAFKA_BROKERS, clientId, topicPrefix: config.KAFKA_TOPIC_PREFIX });
}
