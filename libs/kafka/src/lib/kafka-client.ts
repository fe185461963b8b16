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

/**
 * Idempotent, acks=all producer. kafkajs keeps one in-flight request per broker when
 * idempotent, so records of one key stay in the order they were sent.
 */
export class EventProducer {
  private readonly producer: Producer;
  private connected = false;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
    });
  }

  async send(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (!this.connected) {
      await this.producer.connect();
      this.connected = true;
    }
    await this.producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({ key: r.key, value: r.value, headers: withProducerSpan(r.headers) })),
    });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
    this.connected = false;
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
