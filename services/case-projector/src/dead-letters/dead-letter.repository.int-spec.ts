import { CASE_EVENTS_DLQ_TOPIC, CASE_EVENTS_TOPIC, EXAMPLES } from '@beacon/events';
import { BatchConsumer, createKafka, ensureTopics, EventProducer, type IncomingRecord, type Kafka } from '@beacon/kafka';
import { createPool, runMigrations, type Pool } from '@beacon/persistence';
import { createTestDatabase, requireInfrastructure, uniqueName, waitFor, type TestDatabase } from '@beacon/testing';
import { randomUUID } from 'node:crypto';
import { projectionMigrations } from '../migrations';
import { recordOf } from '../testing/projection.fixtures';
import { deadLetterRecords } from './dead-letter.records';
import { DeadLetterRepository } from './dead-letter.repository';

describe(DeadLetterRepository.name, () => {
  let db: TestDatabase;
  let pool: Pool;
  let kafka: Kafka;
  let producer: EventProducer;
  const prefix = `${uniqueName('dlq')}.`;
  const caseTopic = `${prefix}${CASE_EVENTS_TOPIC}`;
  const dlqTopic = `${prefix}${CASE_EVENTS_DLQ_TOPIC}`;

  beforeAll(async () => {
    db = await createTestDatabase('beacon_dlq');
    await runMigrations(db.url, 'projection', projectionMigrations);
    pool = createPool(db.url, 'dlq-test');
    kafka = createKafka({ brokers: requireInfrastructure('KAFKA_BROKERS').split(','), clientId: 'dlq-test', topicPrefix: prefix });
    await ensureTopics(kafka, [
      { topic: caseTopic, numPartitions: 1 },
      { topic: dlqTopic, numPartitions: 1 },
    ]);
    producer = new EventProducer(kafka);
  });

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    const admin = kafka?.admin();
    await admin?.connect();
    await admin?.deleteTopics({ topics: [caseTopic, dlqTopic] }).catch(() => undefined);
    await admin?.disconnect();
    await pool?.end();
    await db?.drop();
  });

  const readCaseTopic = async (count: number): Promise<IncomingRecord[]> => {
    const seen: IncomingRecord[] = [];
    const consumer = new BatchConsumer(kafka, {
      groupId: uniqueName('reader'),
      topic: caseTopic,
      handler: {
        storedOffsets: () => Promise.resolve(new Map([[0, '0']])),
        handleBatch: (_t, _p, records) => {
          seen.push(...records);
          return Promise.resolve();
        },
      },
    });
    await consumer.start();
    try {
      await waitFor(() => seen.length >= count, { timeoutMs: 30_000, what: `${count} records on the case topic` });
    } finally {
      await consumer.stop();
    }
    return seen;
  };

  it('lists dead letters with their reasons and replays, once, only those this build can now read', async () => {
    // One an older build could not read (this one can), one nobody can.
    const readable = { ...EXAMPLES['released'], id: randomUUID(), subject: randomUUID() };
    const unreadable = recordOf({ ...EXAMPLES['removed'], id: randomUUID(), subject: randomUUID() }, caseTopic, 0, 8);
    unreadable.headers.ce_type = Buffer.from('org.beacon.removed.v5');
    await producer.send(
      dlqTopic,
      deadLetterRecords([
        { record: recordOf(readable, caseTopic, 0, 7), reason: 'unsupported-version', message: 'org.beacon.released.v1 is newer than v0' },
        { record: unreadable, reason: 'unsupported-version', message: 'org.beacon.removed.v5 is newer than v1, the newest this build reads' },
      ]),
    );
    const sut = new DeadLetterRepository(kafka, pool, prefix, 'case-projector');

    const listed = await sut.list();
    expect(listed).toEqual([
      expect.objectContaining({ partition: 0, offset: '0', source: `${caseTopic}/0/7`, reason: 'unsupported-version', type: 'org.beacon.released.v1', eventId: readable.id, caseId: readable.subject, replayedAt: null }),
      expect.objectContaining({ partition: 0, offset: '1', source: `${caseTopic}/0/8`, type: 'org.beacon.removed.v5', replayedAt: null }),
    ]);

    const first = await sut.replay([], 'ops-tester');
    expect(first.map((o) => [o.entry.offset, o.result])).toEqual([
      ['0', 'replayed'],
      ['1', 'still-unreadable'],
    ]);
    expect(first[1]?.reason).toMatch(/unsupported-version/);

    const [replayed] = await readCaseTopic(1);
    expect(replayed?.key?.toString()).toBe(readable.subject);
    expect(replayed?.headers.ce_id?.toString()).toBe(readable.id);
    expect(Object.keys(replayed?.headers ?? {}).filter((h) => h.startsWith('beacon-dlq'))).toEqual([]);

    const second = await sut.replay([], 'ops-tester');
    expect(second.map((o) => o.result)).toEqual(['already-replayed', 'still-unreadable']);
    expect((await sut.list())[0]?.replayedAt).not.toBeNull();
    await expect(sut.replay([{ partition: 0, offset: '9' }], 'ops-tester')).rejects.toThrow(/no dead letter at 0\/9/);
    const offsets = kafka.admin();
    await offsets.connect();
    const ends = await offsets.fetchTopicOffsets(caseTopic);
    await offsets.disconnect();
    expect(ends[0]?.high).toBe('1');
  });
});
