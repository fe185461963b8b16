import { CASE_EVENTS_TOPIC } from '@beacon/events';
import { createTestDatabase, freePort, requireInfrastructure, spawnService, startService, uniqueName, waitFor, type ServiceProcess, type TestDatabase } from '@beacon/testing';
import { type Kafka } from 'kafkajs';
import { appliedOffsets, createTopics, deleteTopics, kafkaClient, pastCaseEvents, produceEvents, projectorEnv, query, snapshot } from './projection-fixtures';

describe('case projector killed with SIGKILL in the middle of large batches', () => {
  const brokers = () => requireInfrastructure('KAFKA_BROKERS');
  const prefix = `${uniqueName('crash')}.`;
  const topic = `${prefix}${CASE_EVENTS_TOPIC}`;
  // About 4,000 records per partition fetch: each life commits a batch or two, then dies mid-way through the next.
  const events = pastCaseEvents(3_000, 31, 30_000);
  let kafka: Kafka;
  let crashed: TestDatabase;
  let clean: TestDatabase;
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    kafka = kafkaClient(brokers());
    await createTopics(kafka, [{ topic, numPartitions: 3 }]);
    await produceEvents(kafka, topic, events);
    [crashed, clean] = await Promise.all([createTestDatabase('beacon_crash'), createTestDatabase('beacon_clean')]);
  });

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop('SIGKILL')));
    await deleteTopics(kafka, [topic]);
    await crashed?.drop();
    await clean?.drop();
  });

  const applied = () => appliedOffsets(crashed.url, 'crash-run@v1');
  const openBatchTransactions = async () =>
    (
      await query<{ n: number }>(
        crashed.url,
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'case-projector' AND xact_start IS NOT NULL`,
      )
    )[0]?.n ?? 0;
  const timelineRows = async () => (await query<{ n: number }>(crashed.url, 'SELECT count(*)::int AS n FROM projection.case_timeline'))[0]?.n ?? 0;

  it('ends with the read models of a clean run: nothing applied twice, nothing skipped', async () => {
    const env = projectorEnv(crashed.url, brokers(), prefix, { CONSUMER_GROUP: `${prefix}crash-run` });
    const kills: number[] = [];
    while (kills.length < 5) {
      const projector = spawnService('case-projector', env, await freePort());
      running.push(projector);
      const before = await applied();
      // Killed once this life has committed a batch and while its next batch's transaction is open.
      await waitFor(async () => (await applied()) > before && (await openBatchTransactions()) > 0, {
        timeoutMs: 90_000,
        intervalMs: 5,
        what: 'a batch of this life, then the next one under way',
      }).catch((error: Error) => {
        throw new Error(`${error.message}\n--- projector output ---\n${projector.output().slice(-3_000)}`);
      });
      projector.child.kill('SIGKILL');
      await projector.exited;
      expect(projector.child.signalCode).toBe('SIGKILL');
      const at = await applied();
      // Whatever the kill interrupted left nothing behind: the timeline holds exactly the checkpointed records.
      expect(await timelineRows()).toBe(at);
      kills.push(at);
      if (at >= events.length) break;
    }
    expect(kills.filter((k) => k < events.length).length).toBeGreaterThanOrEqual(4);

    const last = await startService('case-projector', env, await freePort());
    running.push(last);
    await waitFor(async () => (await applied()) === events.length, { timeoutMs: 120_000, what: 'the last life to catch up' });

    const reference = await startService('case-projector', projectorEnv(clean.url, brokers(), prefix, { CONSUMER_GROUP: `${prefix}clean-run` }), await freePort());
    running.push(reference);
    await waitFor(async () => (await appliedOffsets(clean.url, 'clean-run@v1')) === events.length, { timeoutMs: 120_000, what: 'the clean run' });

    const [afterCrashes, afterCleanRun] = await Promise.all([snapshot(crashed.url), snapshot(clean.url)]);
    expect(afterCrashes.timeline).toHaveLength(events.length);
    expect(afterCrashes.cases).toHaveLength(new Set(events.map((e) => e.subject)).size);
    expect(afterCrashes).toEqual(afterCleanRun);
    const counted = await query<{ n: number }>(crashed.url, 'SELECT sum(event_count)::int AS n FROM projection.cases');
    expect(counted[0]?.n).toBe(events.length);
  });
});
