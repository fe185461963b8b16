import { CASE_EVENTS_TOPIC } from '@beacon/events';
import { createTestDatabase, freePort, requireInfrastructure, startService, uniqueName, waitFor, type ServiceProcess, type TestDatabase } from '@beacon/testing';
import { randomBytes } from 'node:crypto';
import { type Kafka } from 'kafkajs';
import { Client } from 'pg';
import { appliedOffsets, beacon, createTopics, deleteTopics, kafkaClient, pastCaseEvents, produceEvents, projectorEnv, query, snapshot } from './projection-fixtures';
import { consoleSecrets, createAccount, login } from './security-accounts';

interface Probe {
  at: number;
  path: string;
  status: number;
  totalCases?: number;
}

describe('beacon projections rebuild', () => {
  const brokers = () => requireInfrastructure('KAFKA_BROKERS');
  const prefix = `${uniqueName('rebuild')}.`;
  const topic = `${prefix}${CASE_EVENTS_TOPIC}`;
  let consoleKey = '';
  const events = pastCaseEvents(900, 41, 8_000);
  const arriving = pastCaseEvents(120, 42);
  let kafka: Kafka;
  let db: TestDatabase;
  let projector: ServiceProcess;
  let console_: ServiceProcess;

  beforeAll(async () => {
    kafka = kafkaClient(brokers());
    await createTopics(kafka, [{ topic, numPartitions: 3 }]);
    await produceEvents(kafka, topic, events);
    db = await createTestDatabase('beacon_rebuild_e2e');
    projector = await startService('case-projector', projectorEnv(db.url, brokers(), prefix), await freePort());
    const consoleEnv = { DATABASE_URL: db.url, VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`, ...consoleSecrets() };
    console_ = await startService('ops-console', consoleEnv, await freePort());
    consoleKey = (await login(console_.baseUrl, createAccount(consoleEnv, 'admin-e2e', 'admin', { regions: ['*'] }))).accessToken;
    await waitFor(async () => (await appliedOffsets(db.url)) === events.length, { timeoutMs: 120_000, what: 'the live projection' });
  });

  afterAll(async () => {
    await Promise.all([projector?.stop(), console_?.stop()]);
    await deleteTopics(kafka, [topic]);
    await db?.drop();
  });

  it('rebuilds from the log into a new version equal to the live one, answering queries throughout', async () => {
    const someCase = events[0]!.subject;
    const probes: Probe[] = [];
    let polling = true;
    const get = async (path: string) => {
      const response = await fetch(`${console_.baseUrl}${path}`, { headers: { authorization: `Bearer ${consoleKey}` } });
      const body = (await response.json()) as { totalCases?: number };
      probes.push({ at: Date.now(), path, status: response.status, totalCases: body.totalCases });
    };
    const poller = (async () => {
      while (polling) {
        await Promise.all([get('/v1/stats'), get(`/v1/cases/${someCase}`), get('/v1/cases?limit=20&urgency=critical')]);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // Hold the switch-over, as a live batch does, until events arriving during the rebuild are live:
    // then the old version, frozen at the switch, has every event and must equal the new one.
    const fence = new Client({ connectionString: db.url });
    await fence.connect();
    await fence.query(`SELECT pg_advisory_lock_shared(hashtext('beacon.projection.switch-over'))`);
    const rebuild = beacon(['projections', 'rebuild', '--keep-previous', '--json'], projectorEnv(db.url, brokers(), prefix));
    await produceEvents(kafka, topic, arriving);
    await waitFor(async () => (await appliedOffsets(db.url)) === events.length + arriving.length, { timeoutMs: 60_000, what: 'the live projection of new events' });
    await fence.query(`SELECT pg_advisory_unlock_shared(hashtext('beacon.projection.switch-over'))`);
    await fence.end();

    const result = await rebuild;
    polling = false;
    await poller;

    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const outcome = JSON.parse(result.stdout) as { version: number; previous: number; applied: number; previousDropped: boolean };
    expect(outcome).toMatchObject({ version: 2, previous: 1, applied: events.length + arriving.length, previousDropped: false });

    const [live, rebuilt] = await Promise.all([snapshot(db.url, 1), snapshot(db.url, 2)]);
    expect(rebuilt.timeline).toHaveLength(events.length + arriving.length);
    expect(rebuilt).toEqual(live);
    expect(await snapshot(db.url)).toEqual(rebuilt);

    // Every query during the rebuild and the switch-over was answered, and no answer went backwards.
    expect(probes.length).toBeGreaterThan(30);
    expect(probes.filter((p) => p.status !== 200)).toEqual([]);
    const totals = probes.filter((p) => p.totalCases !== undefined).map((p) => p.totalCases!);
    expect(totals.every((n, i) => i === 0 || n >= totals[i - 1]!)).toBe(true);
    expect(totals[totals.length - 1]).toBe(new Set([...events, ...arriving].map((e) => e.subject)).size);

    // The live projector now writes the new version.
    const more = pastCaseEvents(10, 43);
    await produceEvents(kafka, topic, more);
    await waitFor(async () => (await appliedOffsets(db.url, 'case-projector@v2')) === events.length + arriving.length + more.length, {
      timeoutMs: 60_000,
      what: 'the live projector on version 2',
    });
    const rows = await query<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM projection.case_timeline_v2');
    expect(rows[0]?.n).toBe(events.length + arriving.length + more.length);
    const status = await beacon(['projections', 'status', '--json'], projectorEnv(db.url, brokers(), prefix));
    const versions = (JSON.parse(status.stdout) as { versions: { version: number; status: string; lag: number | null }[] }).versions;
    expect(versions.map((v) => [v.version, v.status, v.lag])).toEqual([
      [1, 'retired', null],
      [2, 'active', 0],
    ]);
  });
});
