import { requireInfrastructure, uniqueName, waitFor } from '@beacon/testing';
import { BatchConsumer } from './batch-consumer';
import {
  createKafka,
  ensureTopics,
  EventProducer,
  type IncomingRecord,
  type OutgoingRecord,
} from './kafka-client';

describe(BatchConsumer.name, () => {
  const brokers = () => requireInfrastructure('KAFKA_BROKERS').split(',');
  const kafka = () =>
    createKafka({ brokers: brokers(), clientId: 'batch-consumer-test', topicPrefix: '' });
  const topics: string[] = [];

  afterAll(async () => {
    if (topics.length === 0) return;
    const admin = kafka().admin();
    await admin.connect();
    await admin.deleteTopics({ topics });
    await admin.disconnect();
  });

  /** A new one-partition topic holding these records. */
  async function topicWith(name: string, records: OutgoingRecord[]): Promise<string> {
    const topic = uniqueName(name);
    topics.push(topic);
    const client = kafka();
    await ensureTopics(client, [{ topic, numPartitions: 1 }]);
    const producer = new EventProducer(client);
    try {
      await producer.send(topic, records);
    } finally {
      await producer.disconnect();
    }
    return topic;
  }

  it('starts from the offsets the service stored, not from Kafka’s, and keeps per-key order', async () => {
    const topic = await topicWith(
      'batch-consumer',
      Array.from({ length: 10 }, (_, i) => ({
        key: 'case-1',
        value: String(i),
        headers: { 'x-seq': String(i) },
      })),
    );
    const seen: IncomingRecord[] = [];
    const sut = new BatchConsumer(kafka(), {
      groupId: uniqueName('group'),
      topic,
      handler: {
        // The service says it already applied offsets 0..5.
        storedOffsets: () => Promise.resolve(new Map([[0, '6']])),
        handleBatch: (_t, _p, records) => {
          seen.push(...records.filter((r) => BigInt(r.offset) >= 6n));
          return Promise.resolve();
        },
      },
    });
    try {
      await sut.start();
      await waitFor(() => seen.length >= 4, { timeoutMs: 30_000, what: 'the remaining records' });
      expect(seen.map((r) => r.value?.toString())).toEqual(['6', '7', '8', '9']);
      expect(seen.every((r) => r.key?.toString() === 'case-1')).toBe(true);
      expect(seen[0]?.headers['x-seq']?.toString()).toBe('6');
    } finally {
      await sut.stop();
    }
  });

  it('starts again after a crash kafkajs would not restart from, at the stored offsets', async () => {
    const topic = await topicWith(
      'batch-consumer-crash',
      Array.from({ length: 5 }, (_, i) => ({ key: 'case-1', value: String(i), headers: {} })),
    );
    let next = 0;
    let calls = 0;
    const applied: string[] = [];
    const errors: unknown[] = [];
    let crashes = 0;
    const sut = new BatchConsumer(kafka(), {
      groupId: uniqueName('group'),
      topic,
      onError: (error) => errors.push(error),
      onCrash: () => (crashes += 1),
      handler: {
        storedOffsets: () => Promise.resolve(new Map([[0, String(next)]])),
        handleBatch: (_t, _p, records) => {
          calls += 1;
          // kafkajs treats a TypeError as unrecoverable: its consumer stops and does not restart.
          if (calls === 1) return Promise.reject(new TypeError('a bug met during a rebalance'));
          for (const r of records) {
            if (BigInt(r.offset) < BigInt(next)) continue;
            applied.push(r.value?.toString() ?? '');
            next = Number(r.offset) + 1;
          }
          return Promise.resolve();
        },
      },
    });
    try {
      await sut.start();
      await waitFor(() => applied.length >= 5, {
        timeoutMs: 30_000,
        what: 'the records after the crash',
      });
      expect(applied).toEqual(['0', '1', '2', '3', '4']);
      expect(errors.map((e) => (e as Error).message)).toContain('a bug met during a rebalance');
      expect(crashes).toBe(1);
    } finally {
      await sut.stop();
    }
  });
});
