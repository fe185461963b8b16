import { CASE_EVENTS_DLQ_TOPIC, CASE_EVENTS_TOPIC, decodeFromKafka } from '@beacon/events';
import { BatchConsumer, EventProducer, type IncomingRecord, type Kafka, topicName } from '@beacon/kafka';
import { type Pool } from '@beacon/persistence';
import { DLQ_HEADERS } from './dead-letter.records';

export interface DeadLetterEntry {
  /** Position in the dead-letter topic: how an operator names it. */
  partition: number;
  offset: string;
  /** topic/partition/offset of the original record. */
  source: string;
  reason: string;
  message: string;
  type: string | null;
  eventId: string | null;
  caseId: string | null;
  deadLetteredAt: string;
  replayedAt: string | null;
}

export interface ReplayOutcome {
  entry: DeadLetterEntry;
  result: 'replayed' | 'already-replayed' | 'still-unreadable';
  reason?: string;
}

const header = (record: IncomingRecord, name: string): string | null => {
  const raw = record.headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined ? null : value.toString();
};

/** Reads the dead-letter topic and puts records this build can now read back on the case topic. */
export class DeadLetterRepository {
  private readonly dlqTopic: string;
  private readonly caseTopic: string;

  constructor(
    private readonly kafka: Kafka,
    private readonly pool: Pool,
    topicPrefix: string,
    private readonly groupPrefix: string,
  ) {
    this.dlqTopic = topicName({ topicPrefix }, CASE_EVENTS_DLQ_TOPIC);
    this.caseTopic = topicName({ topicPrefix }, CASE_EVENTS_TOPIC);
  }

  async list(): Promise<DeadLetterEntry[]> {
    const records = await this.readAll();
    const { rows } = await this.pool.query<{ partition: number; offset: string; replayed_at: Date }>(
      `SELECT partition, "offset", replayed_at FROM projection.dead_letter_replays WHERE dlq_topic = $1`,
      [this.dlqTopic],
    );
    const replayed = new Map(rows.map((r) => [`${r.partition}/${r.offset}`, r.replayed_at.toISOString()]));
    return records.map((record) => this.entryOf(record, replayed.get(`${record.partition}/${record.offset}`) ?? null));
  }

  /** Replays the selected dead letters (all when `positions` is empty) that decode now. */
  async replay(positions: readonly { partition: number; offset: string }[], by: string, dryRun = false): Promise<ReplayOutcome[]> {
    const records = await this.readAll();
    const wanted = new Set(positions.map((p) => `${p.partition}/${p.offset}`));
    const selected = positions.length === 0 ? records : records.filter((r) => wanted.has(`${r.partition}/${r.offset}`));
    const missing = [...wanted].filter((w) => !selected.some((r) => `${r.partition}/${r.offset}` === w));
    if (missing.length > 0) throw new Error(`no dead letter at ${missing.join(', ')} (partition/offset)`);

    const { rows } = await this.pool.query<{ partition: number; offset: string; replayed_at: Date }>(
      `SELECT partition, "offset", replayed_at FROM projection.dead_letter_replays WHERE dlq_topic = $1`,
      [this.dlqTopic],
    );
    const replayed = new Map(rows.map((r) => [`${r.partition}/${r.offset}`, r.replayed_at.toISOString()]));
    const outcomes: ReplayOutcome[] = [];
    const toSend: { record: IncomingRecord; eventId: string; outcome: ReplayOutcome }[] = [];
    for (const record of selected) {
      const entry = this.entryOf(record, replayed.get(`${record.partition}/${record.offset}`) ?? null);
      if (entry.replayedAt !== null) {
        outcomes.push({ entry, result: 'already-replayed' });
        continue;
      }
      const original = this.originalOf(record);
      const decoded = decodeFromKafka(original);
      if (!decoded.ok) {
        outcomes.push({ entry, result: 'still-unreadable', reason: `${decoded.reason}: ${decoded.message}` });
        continue;
      }
      const outcome: ReplayOutcome = { entry, result: 'replayed' };
      outcomes.push(outcome);
      toSend.push({ record: original, eventId: decoded.event.id, outcome });
    }
    if (dryRun || toSend.length === 0) return outcomes;

    const producer = new EventProducer(this.kafka);
    try {
      // Sent before it is recorded: a crash in between replays it again, which consumers
      // absorb (they apply an event id once); recording first could lose it.
      await producer.send(
        this.caseTopic,
        toSend.map(({ record }) => ({
          key: record.key?.toString('utf8') ?? '',
          value: record.value?.toString('utf8') ?? '',
          headers: Object.fromEntries(
            Object.entries(record.headers).flatMap(([k, v]) => {
              const value = Array.isArray(v) ? v[0] : v;
              return value === undefined ? [] : [[k, value.toString()]];
            }),
          ),
        })),
      );
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
    await this.pool.query(
      `INSERT INTO projection.dead_letter_replays (dlq_topic, partition, "offset", event_id, replayed_by)
       SELECT $1, partition, "offset", event_id, $3 FROM json_to_recordset($2::json) AS r(partition int, "offset" bigint, event_id uuid)
       ON CONFLICT DO NOTHING`,
      [
        this.dlqTopic,
        JSON.stringify(toSend.map((s) => ({ partition: s.outcome.entry.partition, offset: s.outcome.entry.offset, event_id: s.eventId }))),
        by,
      ],
    );
    const now = new Date().toISOString();
    for (const s of toSend) s.outcome.entry.replayedAt = now;
    return outcomes;
  }

  private entryOf(record: IncomingRecord, replayedAt: string | null): DeadLetterEntry {
    return {
      partition: record.partition,
      offset: record.offset,
      source: header(record, DLQ_HEADERS.source) ?? 'unknown',
      reason: header(record, DLQ_HEADERS.reason) ?? 'unknown',
      message: header(record, DLQ_HEADERS.message) ?? '',
      type: header(record, 'ce_type'),
      eventId: header(record, 'ce_id'),
      caseId: record.key?.toString('utf8') || null,
      deadLetteredAt: new Date(Number(record.timestamp)).toISOString(),
      replayedAt,
    };
  }

  /** The record as it was before it was dead-lettered: without the DLQ's own headers. */
  private originalOf(record: IncomingRecord): IncomingRecord {
    const dlqHeaders = new Set<string>(Object.values(DLQ_HEADERS));
    return {
      ...record,
      headers: Object.fromEntries(Object.entries(record.headers).filter(([k]) => !dlqHeaders.has(k))),
    };
  }

  /** Every record now in the dead-letter topic, read with a throw-away consumer group. */
  private async readAll(timeoutMs = 60_000): Promise<IncomingRecord[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: Map<number, bigint>;
    let starts: Map<number, string>;
    try {
      const existing = await admin.listTopics();
      if (!existing.includes(this.dlqTopic)) return [];
      const offsets = await admin.fetchTopicOffsets(this.dlqTopic);
      ends = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
      starts = new Map(offsets.map((o) => [o.partition, o.low]));
    } finally {
      await admin.disconnect();
    }
    const pending = () => [...ends].some(([p, end]) => (positions.get(p) ?? BigInt(starts.get(p) ?? '0')) < end);
    const positions = new Map<number, bigint>();
    const records: IncomingRecord[] = [];
    if (!pending()) return records;
    const groupId = `${this.groupPrefix}.dlq-reader.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
    const consumer = new BatchConsumer(this.kafka, {
      groupId,
      topic: this.dlqTopic,
      handler: {
        storedOffsets: () => Promise.resolve(starts),
        handleBatch: (_t, partition, batch) => {
          for (const record of batch) {
            const offset = BigInt(record.offset);
            if (offset < (positions.get(partition) ?? 0n) || offset >= (ends.get(partition) ?? 0n)) continue;
            records.push(record);
            positions.set(partition, offset + 1n);
          }
          return Promise.resolve();
        },
      },
    });
    try {
      await consumer.start();
      const deadline = Date.now() + timeoutMs;
      while (pending()) {
        if (Date.now() > deadline) throw new Error(`could not read ${this.dlqTopic} to its end within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await consumer.stop().catch(() => undefined);
      const cleanup = this.kafka.admin();
      await cleanup
        .connect()
        .then(() => cleanup.deleteGroups([groupId]))
        .catch(() => undefined)
        .finally(() => void cleanup.disconnect().catch(() => undefined));
    }
    return records.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
  }
}
