import { createTestDatabase, type TestDatabase } from '@beacon/testing';
import { randomUUID } from 'node:crypto';
import { createPool, type Pool, withTransaction } from './database';
import { Outbox, outboxTableSql, type OutboxRecord } from './outbox';
import { OutboxRelay } from './outbox-relay';

describe(Outbox.name, () => {
  let db: TestDatabase;
  let pool: Pool;
  const sut = new Outbox('relay_test');

  beforeAll(async () => {
    db = await createTestDatabase('beacon_outbox');
    pool = createPool(db.url, 'outbox-test', 20);
    await pool.query('CREATE SCHEMA relay_test');
    await pool.query(outboxTableSql('relay_test'));
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const record = (key: string, seq: number): OutboxRecord => ({
    eventId: randomUUID(),
    key,
    topic: 't',
    value: JSON.stringify({ seq }),
    headers: {},
  });

  it('publishes every record exactly once and in per-key order with three relays and concurrent writers', async () => {
    const keys = Array.from({ length: 20 }, () => randomUUID());
    const published: OutboxRecord[] = [];
    const relays = Array.from(
      { length: 3 },
      () =>
        new OutboxRelay(pool, sut, async (records) => {
          // Slow, failing now and then: a publish that fails must be retried, not lost or reordered.
          await new Promise((r) => setTimeout(r, Math.random() * 5));
          if (Math.random() < 0.1) throw new Error('broker unavailable');
          published.push(...records);
        }, { idlePollMs: 5, maxBackoffMs: 20 }),
    );
    relays.forEach((r) => r.start());
    const perKey = 30;
    await Promise.all(
      keys.map(async (key) => {
        for (let seq = 0; seq < perKey; seq += 3) {
          await withTransaction(pool, (client) => sut.append(client, [record(key, seq), record(key, seq + 1), record(key, seq + 2)]));
        }
      }),
    );
    const deadline = Date.now() + 30_000;
    while ((await sut.backlog(pool)).count > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await Promise.all(relays.map((r) => r.stop()));

    expect((await sut.backlog(pool)).count).toBe(0);
    expect(published).toHaveLength(keys.length * perKey);
    expect(new Set(published.map((r) => r.eventId)).size).toBe(published.length);
    for (const key of keys) {
      const sequence = published.filter((r) => r.key === key).map((r) => (JSON.parse(r.value) as { seq: number }).seq);
      expect(sequence).toEqual(Array.from({ length: perKey }, (_, i) => i));
    }
  });

  it('reports the backlog and its age while nothing can be published', async () => {
    await withTransaction(pool, (client) => sut.append(client, [record(randomUUID(), 0)]));
    const backlog = await sut.backlog(pool);
    expect(backlog.count).toBe(1);
    expect(backlog.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
    await expect(sut.relayOnce(pool, () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect((await sut.backlog(pool)).count).toBe(1);
  });
});
