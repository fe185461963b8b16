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
  /**
   * How long the broker may hold a fetch to gather `minBytes` (kafkajs defaults: 1 byte, 5 s).
   * A consumer that can wait trades that delay for fewer, larger batches.
   */
  fetch?: { minBytes: number; maxWaitTimeInMs: number };
}

/**
 * A consumer whose position lives in the service's database, not in Kafka: on every
 * assignment it seeks to the stored offsets. Kafka's committed offsets are kept only so
 * that lag can be monitored with standard tools.
 */
export class BatchConsumer {
  private readonly consumer: Consumer;
  private running = false;

  constructor(
    kafka: Kafka,
    private readonly options: BatchConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 20_000,
      maxBytesPerPartition: 4 * 1024 * 1024,
      ...(options.fetch ?? {}),
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
  }

  async start(): Promise<void> {
    const { topic, handler } = this.options;
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: true });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      const assigned = event.payload.memberAssignment[topic] ?? [];
      void this.seekToStored(assigned).catch((error: unknown) => this.options.onError?.(error));
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.options.onError?.(event.payload.error);
    });
    this.running = true;
    await this.consumer.run({
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
        payload.resolveOffset(batch.lastOffset());
        await payload.heartbeat();
      },
    });
  }

  private async seekToStored(partitions: number[]): Promise<void> {
    if (!this.running || partitions.length === 0) return;
    const stored = await this.options.handler.storedOffsets(this.options.topic);
    for (const partition of partitions) {
      const offset = stored.get(partition);
      if (offset !== undefined)
        this.consumer.seek({ topic: this.options.topic, partition, offset });
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.consumer.disconnect();
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
