import { type Consumer, type Kafka } from 'kafkajs';
import { type IncomingRecord } from './kafka-client';

export interface BatchHandler {
  /**
   * Applies one partition's batch and stores the next offset in the same transaction.
   * Returns nothing; throwing makes kafkajs retry the batch from the stored position.
   */
  handleBatch(topic: string, partition: number, records: readonly IncomingRecord[]): Promise<void>;
  /** The next offset to read per partition, from the service's own store. */
  storedOffsets(topic: string): Promise<Map<number, string>>;
}

export interface BatchConsumerOptions {
  groupId: string;
  topic: string;
  handler: BatchHandler;
  onError?: (error: unknown) => void;
  /** The consumer crashed (after `onError`); a new one starts at the stored offsets. */
  onCrash?: () => void;
  /**
   * How long the broker may hold a fetch to gather `minBytes` (kafkajs defaults: 1 byte, 5 s).
   * A consumer that can wait trades that delay for fewer, larger batches.
   */
  fetch?: { minBytes: number; maxWaitTimeInMs: number };
}

/** After a crash kafkajs does not recover from, a new consumer starts this much later (doubling). */
const RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * A consumer whose position lives in the service's database, not in Kafka: on every
 * assignment it seeks to the stored offsets. Kafka's committed offsets are kept only so
 * that lag can be monitored with standard tools.
 */
export class BatchConsumer {
  private consumer: Consumer;
  private running = false;
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: BatchConsumerOptions,
  ) {
    this.consumer = this.create();
  }

  async start(): Promise<void> {
    this.running = true;
    await this.run(this.consumer);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.consumer.disconnect();
  }

  private create(): Consumer {
    return this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 20_000,
      maxBytesPerPartition: 4 * 1024 * 1024,
      ...(this.options.fetch ?? {}),
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
  }

  private async run(consumer: Consumer): Promise<void> {
    const { topic, handler } = this.options;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const assigned = event.payload.memberAssignment[topic] ?? [];
      void this.seekToStored(consumer, assigned).catch((error: unknown) =>
        this.options.onError?.(error),
      );
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.options.onError?.(event.payload.error);
      this.options.onCrash?.();
      // kafkajs restarts a consumer only after errors it knows to be retriable; anything else
      // (a TypeError of its own during a rebalance, say) leaves it stopped for good while the
      // service runs on. Positions live in the service's store, so a new consumer is always safe.
      if (!event.payload.restart && this.running && consumer === this.consumer) this.restartSoon();
    });
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        const { batch } = payload;
        if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return;
        const records: IncomingRecord[] = batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key,
          value: m.value,
          headers: m.headers ?? {},
          timestamp: m.timestamp,
        }));
        await handler.handleBatch(batch.topic, batch.partition, records);
        // A rebalance while the batch was applied: the stored offset already says where this
        // partition is, and kafkajs's bookkeeping for it belongs to the new assignment.
        if (!payload.isRunning() || payload.isStale()) return;
        payload.resolveOffset(batch.lastOffset());
        await payload.heartbeat();
      },
    });
  }

  private restartSoon(delayMs = RESTART_DELAY_MS): void {
    if (this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.running) return;
      const stopped = this.consumer;
      const next = this.create();
      this.consumer = next;
      void stopped
        .disconnect()
        .catch(() => undefined)
        .then(() => (this.running ? this.run(next) : undefined))
        .catch((error: unknown) => {
          this.options.onError?.(error);
          if (this.running && this.consumer === next)
            this.restartSoon(Math.min(delayMs * 2, MAX_RESTART_DELAY_MS));
        });
    }, delayMs);
  }

  private async seekToStored(consumer: Consumer, partitions: number[]): Promise<void> {
    if (!this.running || partitions.length === 0) return;
    const stored = await this.options.handler.storedOffsets(this.options.topic);
    for (const partition of partitions) {
      const offset = stored.get(partition);
      if (offset !== undefined) consumer.seek({ topic: this.options.topic, partition, offset });
    }
  }
}

/** Keeps trying to start a consumer until it runs; a service stays up while Kafka is away. */
export async function startWithRetry(
  start: () => Promise<void>,
  logger: { warn(message: string): void },
  maxDelayMs = 5_000,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      return;
    } catch (error) {
      if (attempt === 1 || attempt % 10 === 0) {
        logger.warn(
          `cannot start Kafka consumer yet (${error instanceof Error ? error.message : 'unknown error'}); retrying`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(maxDelayMs, 250 * attempt)));
    }
  }
}
