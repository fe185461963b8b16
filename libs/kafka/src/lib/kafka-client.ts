import { childSpan, formatTraceparent, parseTraceparent } from '@beacon/observability';
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type Producer } from 'kafkajs';

/** The one place that knows the Kafka client library; everything else sees the types below. */
export interface KafkaSettings {
  brokers: readonly string[];
  clientId: string;
  /** Prepended to every topic name (test runs and shared clusters keep their topics apart). */
  topicPrefix: string;
}

export interface OutgoingRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
}

export interface IncomingRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  timestamp: string;
}

export function topicName(settings: Pick<KafkaSettings, 'topicPrefix'>, base: string): string {
  return `${settings.topicPrefix}${base}`;
}

export function createKafka(settings: KafkaSettings): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    logLevel: logLevel.ERROR,
    // Reconnects are the relay's job (it retries with backoff); keep each attempt short.
    retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5_000 },
    connectionTimeout: 3_000,
    logCreator: () => () => undefined,
  });
}

/** How long one send (connecting included) may take before it counts as failed. */
const SEND_TIMEOUT_MS = 20_000;
/** Failed sends in a row after which the producer is made anew rather than left to reconnect. */
const FAILURES_BEFORE_REPLACING = 3;
/** Pauses between attempts at a batch whose outcome is unknown, while the caller waits. */
const SETTLE_PAUSES_MS = [250, 500, 1_000, 2_000];
/** Broker answers saying this producer's sequence state is gone: only a new producer can go on. */
const PRODUCER_STATE_LOST = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
]);

type Message = { key: string; value: string; headers: Record<string, string> };

/** A batch as sent; kept "in doubt" when its send failed without saying whether it was appended. */
interface Batch {
  topic: string;
  messages: Message[];
  records: readonly OutgoingRecord[];
  /** Worked out only for a batch in doubt. */
  identities?: Set<string>;
}

export interface SendOptions {
  /**
   * Keep trying a failed batch, unchanged and on the same producer, for up to this long before
   * throwing: the broker then drops whatever of it had already been appended. Callers that hold
   * locks while they send keep them for that long, so others cannot send the same records anew.
   */
  settleWithinMs?: number;
}

/**
 * Idempotent, acks=all producer. kafkajs keeps one in-flight request per broker when
 * idempotent, so records of one key stay in the order they were sent.
 *
 * Exactly once on the topic rests on the broker's deduplication: a batch sent again by the same
 * producer, with the same records in the same order, carries the same sequence numbers, and the
 * broker answers for the copy it already has instead of appending it twice. So a batch whose send
 * failed (a broker killed mid-request has appended it or not; the client cannot tell) is kept
 * "in doubt", and goes out again, exactly as it was, before anything else is sent: at once while
 * the caller waits (`settleWithinMs`), or at the head of the next send that includes its records.
 * The next send holding only some of them means another sender took the rest over; the producer
 * is then replaced, as its sequence numbers may no longer match the broker's. On a cluster of
 * several brokers a send can fail for the partitions of one broker only; the batch goes out again
 * whole, and the partitions that had succeeded get a second copy.
 *
 * A send that fails throws, and kafkajs reconnects on the next one. A send that does not settle
 * in time, the third failure in a row, or a broker answer that this producer's sequence state is
 * gone also drops the underlying kafkajs producer and makes a new one for the next send: a
 * producer whose broker was killed and restarted does not always recover by itself (its sends
 * can keep failing, or hang), and a relay holds the outbox locks of the records it sends, so a
 * stuck producer would stop the relay, and hold up every writer of those cases, for good. A fresh
 * producer starts a fresh idempotence sequence; a record in doubt when that happens may then be
 * written twice, which consumers absorb by event id.
 */
export class EventProducer {
  private producer: Producer | null = null;
  private failures = 0;
  private inDoubt: Batch | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly sendTimeoutMs = SEND_TIMEOUT_MS,
  ) {}

  /** Whether a failed batch waits to go out again before anything else. */
  get hasBatchInDoubt(): boolean {
    return this.inDoubt !== null;
  }

  async send(
    topic: string,
    records: readonly OutgoingRecord[],
    options: SendOptions = {},
  ): Promise<void> {
    if (records.length === 0) return;
    const until = Date.now() + (options.settleWithinMs ?? 0);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.sendOnce(topic, records);
        this.failures = 0;
        return;
      } catch (error) {
        const pause = SETTLE_PAUSES_MS[Math.min(attempt, SETTLE_PAUSES_MS.length - 1)] ?? 0;
        if (this.inDoubt !== null && Date.now() + pause < until) {
          await new Promise((resolve) => setTimeout(resolve, pause));
          continue;
        }
        // One failure per send, however many attempts it made.
        this.failures += 1;
        if (this.failures >= FAILURES_BEFORE_REPLACING) this.replace();
        throw error;
      }
    }
  }

  async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    this.inDoubt = null;
    await producer?.disconnect();
  }

  private async sendOnce(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    let rest = records;
    const pending = this.inDoubt;
    if (pending) {
      const held = identitiesOf(pending);
      const identities = new Set(records.map(identity));
      const included = pending.topic === topic && [...held].every((id) => identities.has(id));
      if (!included) {
        this.replace();
      } else {
        await this.attempt(pending);
        rest = records.filter((r) => !held.has(identity(r)));
      }
    }
    if (rest.length === 0) return;
    await this.attempt({
      topic,
      messages: rest.map((r) => ({
        key: r.key,
        value: r.value,
        headers: withProducerSpan(r.headers),
      })),
      records: rest,
    });
  }

  private async attempt(batch: Batch): Promise<void> {
    const producer = this.producer ?? this.create();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    try {
      await Promise.race([
        (async () => {
          if (this.producer !== producer) {
            await producer.connect();
            // A connect that finished after the deadline belongs to a producer already given up.
            if (timedOut) return;
            this.producer = producer;
          }
          await producer.send({ topic: batch.topic, acks: -1, messages: batch.messages });
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            timedOut = true;
            reject(
              new Error(
                `sending to ${batch.topic} did not complete within ${this.sendTimeoutMs} ms`,
              ),
            );
          }, this.sendTimeoutMs);
        }),
      ]);
      this.inDoubt = null;
    } catch (error) {
      this.inDoubt = batch;
      if (this.producer !== producer || timedOut || producerStateLost(error)) {
        if (this.producer === producer) this.replace();
        else void producer.disconnect().catch(() => undefined);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drops the kafkajs producer, and with it any batch in doubt: a new one cannot deduplicate it. */
  private replace(): void {
    const producer = this.producer;
    this.producer = null;
    this.failures = 0;
    this.inDoubt = null;
    void producer?.disconnect().catch(() => undefined);
  }

  private create(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
  }
}

/** An event's id where the record carries one (every CloudEvent does), else its whole content. */
function identity(record: OutgoingRecord): string {
  return `${record.key}\u0000${record.headers.ce_id ?? record.value}`;
}

function identitiesOf(batch: Batch): Set<string> {
  return (batch.identities ??= new Set(batch.records.map(identity)));
}

function producerStateLost(error: unknown): boolean {
  for (
    let e = error as { type?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    if (typeof e.type === 'string' && PRODUCER_STATE_LOST.has(e.type)) return true;
    e = e.cause as typeof e | undefined;
  }
  return false;
}

/**
 * `ce_traceparent` is where the event was created and never changes; the W3C `traceparent`
 * header is this send, a child span of it, as OpenTelemetry's Kafka instrumentation reads it.
 */
function withProducerSpan(headers: Record<string, string>): Record<string, string> {
  if (headers.traceparent !== undefined) return headers;
  const created = parseTraceparent(headers.ce_traceparent);
  return created ? { ...headers, traceparent: formatTraceparent(childSpan(created)) } : headers;
}

export async function ensureTopics(
  kafka: Kafka,
  topics: readonly { topic: string; numPartitions: number; retentionMs?: number }[],
): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.topic,
        numPartitions: t.numPartitions,
        configEntries: [{ name: 'retention.ms', value: String(t.retentionMs ?? -1) }],
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

export type { Consumer, Kafka };
