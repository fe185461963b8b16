import { onCallFor, parseRoutingConfig } from '@beacon/alerting-domain';
import {
  createTestDatabase,
  freePort,
  requireInfrastructure,
  startService,
  startSmtpCapture,
  uniqueName,
  waitFor,
  type ServiceProcess,
  type SmtpCapture,
  type TestDatabase,
} from '@beacon/testing';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { parse } from 'yaml';
import { consoleSecrets, createAccount, login } from './security-accounts';
import { SEED_PERSONS, seedReport } from './seed-scenario';

interface Accepted {
  reportId: string;
  incidentId: string;
  cases: { personIndex: number; caseId: string; eventIds: string[] }[];
}

interface CaseView {
  caseId: string;
  incidentId: string;
  region: string;
  urgency: string;
  urgencyReasons: string[];
  state: { custody: string; access: string; removalRisk: string };
  timeline: { eventId: string; name: string; summary: string }[];
}

const routingFile = path.resolve(__dirname, '../../deploy/routing/routing.yaml');

describe('walking skeleton: a hotline report reaches the on-call officer through Kafka', () => {
  const hotlineKey = `bk_dev_${randomBytes(32).toString('base64url')}`;
  // The signed-in officer of Almaty (password and TOTP).
  let consoleKey = '';
  let db: TestDatabase;
  let smtp: SmtpCapture;
  const services: ServiceProcess[] = [];
  let intake: ServiceProcess;
  let console_: ServiceProcess;

  beforeAll(async () => {
    const brokers = requireInfrastructure('KAFKA_BROKERS');
    const vaultKeys = `mk1:${randomBytes(32).toString('base64')}`;
    db = await createTestDatabase('beacon_e2e');
    smtp = await startSmtpCapture();
    const shared = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: `${uniqueName('e2e')}.`,
      LOG_LEVEL: 'info',
    };
    const [intakePort, projectorPort, dispatcherPort, consolePort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    // Start order matters only for schemas: each service migrates its own.
    intake = await startService(
      'intake-api',
      {
        ...shared,
        PERSON_HMAC_KEY: randomBytes(32).toString('base64'),
        VAULT_MASTER_KEYS: vaultKeys,
        DEV_API_KEY: hotlineKey,
      },
      intakePort,
    );
    services.push(intake);
    services.push(await startService('case-projector', shared, projectorPort));
    services.push(
      await startService(
        'alert-dispatcher',
        { ...shared, SMTP_URL: smtp.url, ROUTING_CONFIG_PATH: routingFile, PUBLIC_CONSOLE_URL: `http://127.0.0.1:${consolePort}` },
        dispatcherPort,
      ),
    );
    const consoleEnv = { DATABASE_URL: db.url, VAULT_MASTER_KEYS: vaultKeys, ...consoleSecrets() };
    console_ = await startService('ops-console', consoleEnv, consolePort);
    consoleKey = (await login(console_.baseUrl, createAccount(consoleEnv, 'officer-e2e', 'officer', { regions: ['almaty'] }))).accessToken;
    services.push(console_);
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await smtp?.stop();
    await db?.drop();
  });

  const postReport = (body: unknown, idempotencyKey: string) =>
    fetch(`${intake.baseUrl}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hotlineKey}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
    });

  const getCase = async (caseId: string): Promise<CaseView | null> => {
    const response = await fetch(`${console_.baseUrl}/v1/cases/${caseId}`, { headers: { authorization: `Bearer ${consoleKey}` } });
    return response.ok ? ((await response.json()) as CaseView) : null;
  };

  it('pages Almaty’s on-call officer once, within 5 s, without names or numbers, and shows five critical cases', async () => {
    const routing = parseRoutingConfig(parse(readFileSync(routingFile, 'utf8')));
    if (!routing.ok) throw new Error('routing configuration invalid');
    const onCall = onCallFor(routing.config, 'almaty', new Date());
    const officerEmail = onCall ? routing.config.people[onCall.primary]?.email : undefined;
    expect(officerEmail).toBeDefined();

    const report = seedReport(new Date(Date.now() - 40 * 60_000).toISOString());
    const idempotencyKey = `seed-${randomBytes(8).toString('hex')}`;
    const response = await postReport(report, idempotencyKey);
    const acceptedAt = Date.now();
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as Accepted;
    expect(accepted.cases).toHaveLength(5);
    expect(new Set(accepted.cases.map((c) => c.caseId)).size).toBe(5);

    const mail = await smtp.waitForMail((m) => m.envelopeTo.includes(officerEmail!), 5_000);
    expect(mail.receivedAt - acceptedAt).toBeLessThan(5_000);
    for (const person of SEED_PERSONS) {
      for (const secret of [person.name, ...person.name.split(' '), person.registrationNumber, person.phone, person.dateOfBirth]) {
        expect(mail.raw).not.toContain(secret);
      }
    }
    expect(mail.raw).not.toContain('Timiryazev');

    for (const { caseId } of accepted.cases) {
      const view = await waitFor(
        async () => {
          const v = await getCase(caseId);
          return v?.timeline.some((t) => t.name === 'alert-raised') ? v : null;
        },
        { timeoutMs: 10_000, what: `case ${caseId} with its alert` },
      );
      expect(view.urgency).toBe('critical');
      expect(view.region).toBe('almaty');
      expect(view.incidentId).toBe(accepted.incidentId);
      expect(view.state.custody).toBe('detained');
      expect(view.timeline.map((t) => t.name)).toEqual(
        expect.arrayContaining(['person-identified', 'detention-reported', 'access-status-updated', 'removal-threat-reported', 'alert-raised']),
      );
      expect(JSON.stringify(view)).not.toMatch(/Karimov|Yusupov|123-09C/);
    }

    // One page about the incident, not five: the later cases join the first within the minute.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(smtp.messages.filter((m) => m.envelopeTo.includes(officerEmail!))).toHaveLength(1);
    const paged = await waitFor(
      async () => {
        for (const { caseId } of accepted.cases) {
          const v = await getCase(caseId);
          if (v?.timeline.some((t) => t.name === 'notification-sent')) return v;
        }
        return null;
      },
      { timeoutMs: 10_000, what: 'a case timeline with the notification sent' },
    );
    expect(paged.timeline.map((t) => t.name)).toContain('notification-sent');

    // The same report with the same Idempotency-Key: the first answer, and no new event.
    const outboxCount = async () => {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM intake.outbox');
        return Number(rows[0]?.n);
      } finally {
        await client.end();
      }
    };
    const before = await outboxCount();
    const retry = await postReport(report, idempotencyKey);
    expect(retry.status).toBe(202);
    expect(((await retry.json()) as Accepted).reportId).toBe(accepted.reportId);
    expect(await outboxCount()).toBe(before);
    const firstCase = accepted.cases[0]!.caseId;
    const eventsBefore = (await getCase(firstCase))!.timeline.filter((t) => !t.name.startsWith('alert') && !t.name.startsWith('notification')).length;
    await new Promise((r) => setTimeout(r, 1_000));
    const eventsAfter = (await getCase(firstCase))!.timeline.filter((t) => !t.name.startsWith('alert') && !t.name.startsWith('notification')).length;
    expect(eventsAfter).toBe(eventsBefore);
  });
});
