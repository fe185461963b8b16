import { CASE_EVENTS_DLQ_TOPIC, CASE_EVENTS_TOPIC, encodeForKafka } from '@beacon/events';
import { createTestDatabase, freePort, requireInfrastructure, startService, uniqueName, waitFor, type ServiceProcess, type TestDatabase } from '@beacon/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { type Kafka } from 'kafkajs';
import { appliedOffsets, beacon, createTopics, deleteTopics, kafkaClient, pastCaseEvents, produce, produceEvents, projectorEnv } from './projection-fixtures';
import { consoleSecrets, createAccount, login } from './security-accounts';

interface Listed {
  deadLetters: { partition: number; offset: string; source: string; reason: string; message: string; type: string | null; eventId: string | null; replayedAt: string | null }[];
}

describe('poison events', () => {
  const brokers = () => requireInfrastructure('KAFKA_BROKERS');
  const prefix = `${uniqueName('poison')}.`;
  const topic = `${prefix}${CASE_EVENTS_TOPIC}`;
  const dlq = `${prefix}${CASE_EVENTS_DLQ_TOPIC}`;
  let consoleKey = '';
  const before = pastCaseEvents(40, 61);
  const after = pastCaseEvents(40, 62);
  let kafka: Kafka;
  let db: TestDatabase;
  let env: Record<string, string>;
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    kafka = kafkaClient(brokers());
    await createTopics(kafka, [
      { topic, numPartitions: 1 },
      { topic: dlq, numPartitions: 1 },
    ]);
    db = await createTestDatabase('beacon_poison');
    env = projectorEnv(db.url, brokers(), prefix);
    running.push(await startService('case-projector', env, await freePort()));
    const consoleEnv = { DATABASE_URL: db.url, VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`, ...consoleSecrets() };
    running.push(await startService('ops-console', consoleEnv, await freePort()));
    consoleKey = (await login(running[1]!.baseUrl, createAccount(consoleEnv, 'admin-e2e', 'admin', { regions: ['*'] }))).accessToken;
  });

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    await deleteTopics(kafka, [topic, dlq]);
    await db?.drop();
  });

  const caseView = (caseId: string) => fetch(`${running[1]!.baseUrl}/v1/cases/${caseId}`, { headers: { authorization: `Bearer ${consoleKey}` } });

  it('go to the dead-letter topic with the reason while processing goes on; the CLI lists and replays them', async () => {
    const victim = encodeForKafka(before[5]!);
    const schemaInvalid = { ...victim, value: JSON.stringify({ ...(JSON.parse(victim.value) as object), authority: 'martians' }) };
    const newer = encodeForKafka({ ...before[6]!, id: randomUUID() });
    const newerVersion = { ...newer, headers: { ...newer.headers, ce_type: newer.headers.ce_type!.replace(/\.v\d+$/, '.v9') } };
    const notJson = { ...encodeForKafka({ ...before[7]!, id: randomUUID() }), value: '{"context":' };
    await produceEvents(kafka, topic, before);
    await produce(kafka, topic, [schemaInvalid, newerVersion, notJson]);
    await produceEvents(kafka, topic, after);

    const total = before.length + 3 + after.length;
    await waitFor(async () => (await appliedOffsets(db.url)) === total, { timeoutMs: 60_000, what: 'the projector to pass the poison' });
    const lastCase = after[after.length - 1]!.subject;
    expect((await caseView(lastCase)).status).toBe(200);

    const listed = await waitFor(
      async () => {
        const result = await beacon(['dlq', 'list', '--json'], env);
        const parsed = JSON.parse(result.stdout) as Listed;
        return parsed.deadLetters.length === 3 ? parsed : null;
      },
      { timeoutMs: 30_000, what: 'three dead letters' },
    );
    expect(listed.deadLetters.map((d) => [d.source, d.reason])).toEqual([
      [`${topic}/0/${before.length}`, 'invalid'],
      [`${topic}/0/${before.length + 1}`, 'unsupported-version'],
      [`${topic}/0/${before.length + 2}`, 'malformed'],
    ]);
    expect(listed.deadLetters[0]?.message).toMatch(/authority/);
    expect(listed.deadLetters[1]?.type).toMatch(/\.v9$/);
    const table = await beacon(['dlq', 'list'], env);
    expect(table.stdout).toMatch(/dlq position\s+source\s+reason/);
    expect(table.stdout).toContain('unsupported-version');

    // An older build dead-lettered an event this build reads: replaying it puts it back on the case topic.
    const stranded = pastCaseEvents(1, 63)[0]!;
    const record = encodeForKafka(stranded);
    await produce(kafka, dlq, [
      {
        ...record,
        headers: { ...record.headers, 'beacon-dlq-reason': 'unsupported-version', 'beacon-dlq-message': 'newer than this build', 'beacon-dlq-source': `${topic}/0/999` },
      },
    ]);
    expect((await caseView(stranded.subject)).status).toBe(404);

    const replay = await beacon(['dlq', 'replay', '--all', '--json'], env);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ replayed: 1, alreadyReplayed: 0, stillUnreadable: 3 });
    await waitFor(async () => (await caseView(stranded.subject)).status === 200, { timeoutMs: 30_000, what: 'the replayed event in the console' });

    const again = await beacon(['dlq', 'replay', '0/3'], env);
    expect(again.stdout).toMatch(/replayed 0; already replayed 1; still unreadable 0/);
    const pending = JSON.parse((await beacon(['dlq', 'list', '--pending', '--json'], env)).stdout) as Listed;
    expect(pending.deadLetters.map((d) => d.offset)).toEqual(['0', '1', '2']);
    const wrong = await beacon(['dlq', 'replay', 'zero/3'], env);
    expect(wrong.code).toBe(64);
    expect(wrong.stderr).toMatch(/not a dead-letter position/);
  });
});
