import { CASE_EVENTS_TOPIC } from '@beacon/events';
import { createTestDatabase, freePort, requireInfrastructure, startService, uniqueName, waitFor, type ServiceProcess, type TestDatabase } from '@beacon/testing';
import { type Kafka } from 'kafkajs';
import { appliedOffsets, createTopics, deleteTopics, kafkaClient, pastCaseEvents, produceEvents, projectorEnv, query, snapshot } from './projection-fixtures';

interface Ready {
  applied: number;
}

describe('two case projectors in one consumer group', () => {
  const brokers = () => requireInfrastructure('KAFKA_BROKERS');
  const prefix = `${uniqueName('scale')}.`;
  const topic = `${prefix}${CASE_EVENTS_TOPIC}`;
  const first = pastCaseEvents(2_000, 51, 18_000);
  const stream = pastCaseEvents(3_000, 52, 30_000);
  let kafka: Kafka;
  let shared: TestDatabase;
  let clean: TestDatabase;
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    kafka = kafkaClient(brokers());
    await createTopics(kafka, [{ topic, numPartitions: 6 }]);
    await produceEvents(kafka, topic, first);
    [shared, clean] = await Promise.all([createTestDatabase('beacon_scale'), createTestDatabase('beacon_scale_clean')]);
  });

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop('SIGKILL')));
    await deleteTopics(kafka, [topic]);
    await shared?.drop();
    await clean?.drop();
  });

  const ready = async (s: ServiceProcess) => ((await (await fetch(`${s.baseUrl}/health/ready`)).json()) as Ready).applied;
  const partitionsWrittenBy = async () =>
    query<{ partition: number }>(shared.url, `SELECT DISTINCT partition FROM projection.case_timeline ORDER BY 1`);

  it('share the partitions, and a rebalance in mid-stream loses and duplicates nothing', async () => {
    const env = projectorEnv(shared.url, brokers(), prefix, { CONSUMER_GROUP: `${prefix}projectors` });
    const a = await startService('case-projector', env, await freePort());
    running.push(a);
    await waitFor(async () => (await appliedOffsets(shared.url, 'projectors@v1')) > 0, { timeoutMs: 60_000, what: 'the first projector to start' });

    // Events keep arriving while the group changes: a steady trickle, as from the intake relay.
    let produced = 0;
    let flowing = true;
    const trickle = (async () => {
      while (flowing && produced < stream.length) {
        const chunk = stream.slice(produced, produced + 250);
        await produceEvents(kafka, topic, chunk);
        produced += chunk.length;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    // A second instance joins while the first is mid-stream: the group rebalances under load.
    const b = await startService('case-projector', env, await freePort());
    running.push(b);
    await waitFor(async () => (await ready(b)) > 0 && (await ready(a)) > 0, { timeoutMs: 90_000, what: 'both projectors to apply events' });
    const appliedByA = await ready(a);
    const appliedByB = await ready(b);

    // Then the first leaves in mid-stream (as in a rolling deploy) and the second takes every partition.
    await a.stop('SIGTERM');
    const producedWhenALeft = produced;
    await waitFor(() => produced >= producedWhenALeft + 2_000 || produced >= stream.length, { timeoutMs: 60_000, what: 'more events after the first left' });
    flowing = false;
    await trickle;
    const total = first.length + produced;
    await waitFor(async () => (await appliedOffsets(shared.url, 'projectors@v1')) === total, { timeoutMs: 120_000, what: 'the group to catch up' });

    expect(appliedByA).toBeGreaterThan(0);
    expect(appliedByB).toBeGreaterThan(0);
    expect(await ready(b)).toBeGreaterThan(appliedByB);
    expect((await partitionsWrittenBy()).map((r) => r.partition)).toEqual([0, 1, 2, 3, 4, 5]);

    const reference = await startService('case-projector', projectorEnv(clean.url, brokers(), prefix, { CONSUMER_GROUP: `${prefix}alone` }), await freePort());
    running.push(reference);
    await waitFor(async () => (await appliedOffsets(clean.url, 'alone@v1')) === total, { timeoutMs: 120_000, what: 'the single projector' });

    const [scaled, single] = await Promise.all([snapshot(shared.url), snapshot(clean.url)]);
    expect(scaled.timeline).toHaveLength(total);
    expect(scaled).toEqual(single);
    const counted = await query<{ n: number }>(shared.url, 'SELECT sum(event_count)::int AS n FROM projection.cases');
    expect(counted[0]?.n).toBe(total);
  });
});
