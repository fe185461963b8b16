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

/**
 * Idempotent, acks=all producer. kafkajs keeps one in-flight request per broker when
 * idempotent, so records of one key stay in the order they were sent.
 *
 * A send that fails throws, and kafkajs reconnects on the next one. A send that does not settle
 * in time, or the third failure in a row, also drops the underlying kafkajs producer and makes a
 * new one for the next send: a producer whose broker was killed and restarted does not always
 * recover by itself (its sends can keep failing, or hang), and a relay holds the outbox locks of
 * the records it sends, so a stuck producer would stop the relay, and hold up every writer of
 * those cases, for good. A fresh producer also starts a fresh idempotence sequence; a record
 * whose first send's outcome was unknown may then be written twice, which consumers absorb by
 * event id.
 */
export class EventProducer {
  private producer: Producer | null = null;
  private failures = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly sendTimeoutMs = SEND_TIMEOUT_MS,
  ) {}

  async send(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
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
          await producer.send({
            topic,
            acks: -1,
            messages: records.map((r) => ({ key: r.key, value: r.value, headers: withProducerSpan(r.headers) })),
          });
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            timedOut = true;
            reject(new Error(`sending to ${topic} did not complete within ${this.sendTimeoutMs} ms`));
          }, this.sendTimeoutMs);
        }),
      ]);
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      if (this.producer !== producer || timedOut || this.failures >= FAILURES_BEFORE_REPLACING) {
        if (this.producer === producer) this.producer = null;
        this.failures = 0;
        void producer.disconnect().catch(() => undefined);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    await producer?.disconnect();
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
