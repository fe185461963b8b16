import {
  createTestDatabase,
  freePort,
  startService,
  uniqueName,
  waitFor,
  type ServiceProcess,
  type TestDatabase,
} from '@beacon/testing';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';

interface Accepted {
  reportId: string;
  cases: { caseId: string; eventIds: string[] }[];
}

/** A broker of this suite's own, driven through tools/infra/broker-process.mjs. */
class DedicatedBroker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiters: (() => void)[] = [];
  private stderr = '';

  constructor() {
    const script = path.resolve(__dirname, '../../tools/infra/broker-process.mjs');
    this.child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.lines.push(line);
      this.waiters.forEach((wake) => wake());
    });
    this.child.stderr.on(
      'data',
      (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)),
    );
  }

  private async nextLine(timeoutMs = 120_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.child.exitCode !== null) throw new Error(`broker process exited:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`broker process did not answer:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 500);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.waiters = [];
    }
    return this.lines.shift() as string;
  }

  async ready(): Promise<string> {
    return (JSON.parse(await this.nextLine()) as { brokers: string }).brokers;
  }

  async command(name: 'stop' | 'start' | 'kill'): Promise<void> {
    this.child.stdin.write(`${name}\n`);
    const answer = await this.nextLine();
    if (answer !== `ok ${name}`) throw new Error(`broker ${name}: ${answer}\n${this.stderr}`);
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    await new Promise((resolve) =>
      this.child.exitCode === null ? this.child.once('exit', resolve) : resolve(null),
    );
  }
}

const hotlineKey = `bk_e2e_${randomBytes(24).toString('base64url')}`;

function reportFor(registrationNumber: string, round: number) {
  return {
    occurredAt: new Date(Date.now() - 3_600_000 + round * 1000).toISOString(),
    region: 'almaty',
    source: { role: 'family', reliability: 'credible', channel: 'call', language: 'ru' },
    recordedBy: 'operator-17',
    persons: [{ registrationNumber, unhcrStatus: 'refugee' }, { unhcrStatus: 'asylum-seeker' }],
    facts: [
      {
        type: 'detention-reported',
        place: { region: 'almaty' },
        authority: 'police',
        manner: 'street',
        statedReason: 'identity-check',
        witnesses: round,
      },
      {
        type: 'access-status-updated',
        family: 'denied',
        lawyer: round % 2 ? 'permitted' : 'denied',
        unhcr: 'denied',
        ngo: 'unknown',
      },
    ],
  };
}

async function post(
  service: ServiceProcess,
  body: unknown,
): Promise<{ accepted: Accepted; ms: number }> {
  const started = Date.now();
  const response = await fetch(`${service.baseUrl}/v1/reports`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${hotlineKey}`,
      'content-type': 'application/json',
      'idempotency-key': `e2e-${randomBytes(8).toString('hex')}`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`expected 202, got ${response.status}: ${text}`);
  return { accepted: JSON.parse(text) as Accepted, ms: Date.now() - started };
}

/** Every event id per case in the order intake accepted them; reports for one person were sent one after another. */
function expectedOrder(accepted: Accepted[]): Map<string, string[]> {
  const order = new Map<string, string[]>();
  for (const a of accepted)
    for (const c of a.cases) order.set(c.caseId, [...(order.get(c.caseId) ?? []), ...c.eventIds]);
  return order;
}

async function readTopic(
  brokers: string,
  topic: string,
  atLeast: number,
): Promise<{ key: string; id: string }[]> {
  const kafka = new Kafka({
    brokers: [brokers],
    clientId: 'outage-check',
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: uniqueName('outage-check') });
  const seen: { key: string; id: string }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        seen.push({
          key: message.key?.toString() ?? '',
          id: message.headers?.ce_id?.toString() ?? '',
        });
        return Promise.resolve();
      },
    });
    await waitFor(() => seen.length >= atLeast, {
      timeoutMs: 60_000,
      what: `${atLeast} records on ${topic}`,
    });
    // Anything published twice would arrive right behind the rest.
    await new Promise((r) => setTimeout(r, 3_000));
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

function expectExactlyOnceInOrder(seen: { key: string; id: string }[], accepted: Accepted[]): void {
  const order = expectedOrder(accepted);
  const all = [...order.values()].flat();
  expect(seen).toHaveLength(all.length);
  expect(new Set(seen.map((r) => r.id)).size).toBe(all.length);
  expect(new Set(seen.map((r) => r.id))).toEqual(new Set(all));
  for (const [caseId, ids] of order) {
    expect([caseId, seen.filter((r) => r.key === caseId).map((r) => r.id)]).toEqual([caseId, ids]);
  }
}

describe('intake with Kafka down and with two instances relaying (real broker, stopped and restarted)', () => {
  let broker: DedicatedBroker;
  let brokers: string;
  let db: TestDatabase;
  const services: ServiceProcess[] = [];
  let env: Record<string, string>;
  const prefix = `${uniqueName('outage')}.`;
  const topic = `${prefix}beacon.case-events.v1`;

  beforeAll(async () => {
    broker = new DedicatedBroker();
    brokers = await broker.ready();
    db = await createTestDatabase('beacon_e2e_outage');
    env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: prefix,
      PERSON_HMAC_KEY: randomBytes(32).toString('base64'),
      VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`,
      DEV_API_KEY: hotlineKey,
      RATE_LIMIT_PER_SECOND: '10000',
      RATE_LIMIT_BURST: '100000',
      LOG_LEVEL: 'warn',
    };
    services.push(await startService('intake-api', env, await freePort()));
    const admin = new Kafka({
      brokers: [brokers],
      clientId: 'outage-admin',
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await waitFor(async () => (await admin.listTopics()).includes(topic), {
      timeoutMs: 30_000,
      what: 'intake to create its topics',
    });
    await admin.disconnect();
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await broker?.close();
    await db?.drop();
  });

  const backlog = async (service: ServiceProcess) =>
    (
      (await (await fetch(`${service.baseUrl}/health/ready`)).json()) as {
        outbox: { count: number };
      }
    ).outbox.count;

  it('answers 202 while the broker is stopped, and publishes every accepted event exactly once, in case order, once it is back', async () => {
    const [intake] = services;
    if (!intake) throw new Error('intake not started');
    const people = Array.from(
      { length: 8 },
      (_, i) => `OUT-${i}-${randomBytes(3).toString('hex')}`,
    );
    const accepted: Accepted[] = [];

    for (const person of people) accepted.push((await post(intake, reportFor(person, 0))).accepted);
    await waitFor(async () => (await backlog(intake)) === 0, {
      timeoutMs: 30_000,
      what: 'the first reports to be published',
    });

    await broker.command('stop');
    const duringOutage: Accepted[] = [];
    for (let round = 1; round <= 3; round++) {
      // The same people again (joining their open cases) and new ones: both must queue in order.
      const results = await Promise.all(
        people.map((person) => post(intake, reportFor(person, round))),
      );
      for (const { accepted: a, ms } of results) {
        expect(ms).toBeLessThan(3_000);
        duringOutage.push(a);
      }
    }
    accepted.push(...duringOutage);
    expect(await backlog(intake)).toBe(
      duringOutage.reduce((n, a) => n + a.cases.reduce((m, c) => m + c.eventIds.length, 0), 0),
    );
    const status = (await (
      await fetch(`${intake.baseUrl}/v1/reports/${duringOutage[0]!.reportId}`, {
        headers: { authorization: `Bearer ${hotlineKey}` },
      })
    ).json()) as { status: string };
    expect(status.status).toBe('accepted');

    await broker.command('start');
    await waitFor(async () => (await backlog(intake)) === 0, {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: 'the backlog to drain after the broker returned',
    });

    const seen = await readTopic(
      brokers,
      topic,
      accepted.flatMap((a) => a.cases.flatMap((c) => c.eventIds)).length,
    );
    expectExactlyOnceInOrder(seen, accepted);
  });

  it('relays from two instances at once without duplicating or reordering a case, also across a broker kill', async () => {
    const second = await startService('intake-api', env, await freePort());
    services.push(second);
    const [first] = services;
    if (!first) throw new Error('intake not started');
    const before = await readTopic(brokers, topic, 1);
    const people = Array.from(
      { length: 12 },
      (_, i) => `TWO-${i}-${randomBytes(3).toString('hex')}`,
    );

    const publishedBy = async (s: ServiceProcess) =>
      (
        (await (await fetch(`${s.baseUrl}/health/ready`)).json()) as {
          relay: { published: number };
        }
      ).relay.published;
    const publishedBefore = await Promise.all([first, second].map(publishedBy));
    const accepted: Accepted[] = [];
    const rounds = (from: number, to: number) =>
      people.map(async (person, p) => {
        for (let round = from; round < to; round++) {
          // Alternate instances for one person: ordering must hold across them.
          const instance = (p + round) % 2 === 0 ? first : second;
          accepted.push((await post(instance, reportFor(person, round))).accepted);
        }
      });
    const killed = (async () => {
      await new Promise((r) => setTimeout(r, 300));
      await broker.command('kill');
      await new Promise((r) => setTimeout(r, 1_000));
      await broker.command('start');
    })();
    await Promise.all([...rounds(0, 6), killed]);
    // Both relays back in their normal rhythm, each woken by its own instance's commits.
    await waitFor(async () => (await backlog(first)) === 0, {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: 'the outbox to drain after the kill',
    });
    await Promise.all(rounds(6, 10));
    await waitFor(async () => (await backlog(first)) === 0, {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: 'both relays to drain the outbox',
    });

    const expectedCount =
      before.length + accepted.flatMap((a) => a.cases.flatMap((c) => c.eventIds)).length;
    const seen = (await readTopic(brokers, topic, expectedCount)).slice();
    const mine = new Set(accepted.flatMap((a) => a.cases.flatMap((c) => c.eventIds)));
    expectExactlyOnceInOrder(
      seen.filter((r) => mine.has(r.id)),
      accepted,
    );
    expect(seen).toHaveLength(expectedCount);
    const publishedAfter = await Promise.all([first, second].map(publishedBy));
    // Both instances relayed part of these events.
    expect(publishedAfter.map((n, i) => n - (publishedBefore[i] ?? 0) > 0)).toEqual([true, true]);
  });
});
