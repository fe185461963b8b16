import { caseRefOf, parseRoutingConfig, recipientsForTier } from '@beacon/alerting-domain';
import {
  createTestDatabase,
  freePort,
  requireInfrastructure,
  startService,
  startSmtpCapture,
  uniqueName,
  waitFor,
  type CapturedMail,
  type ServiceProcess,
  type SmtpCapture,
  type TestDatabase,
} from '@beacon/testing';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Client } from 'pg';
import { parse } from 'yaml';
import { ConsoleSession, consoleSecrets, createAccount } from './security-accounts';
import { SEED_PERSONS, seedReport } from './seed-scenario';

// The SMSC stand-in is a real SMPP 3.4 server (the smpp package) from tools/infra.
interface SmsMessage {
  to: string;
  from: string;
  text: string;
  encoding: 'GSM7' | 'UCS2' | 'other';
  parts: number;
  partOctets: number[];
  receivedAt: number;
}
interface SmppSimulator {
  url: string;
  messages: SmsMessage[];
  waitForMessage(predicate: (m: SmsMessage) => boolean, timeoutMs?: number): Promise<SmsMessage>;
  reply(mo: { from: string; text: string }): Promise<void>;
  boundSessions(): number;
  stop(): Promise<void>;
}
const root = path.resolve(__dirname, '../..');
const { startSmppSimulator } = createRequire(__filename)(
  path.join(root, 'tools/infra/smpp-simulator.cjs'),
) as {
  startSmppSimulator(options?: { systemId?: string; password?: string }): Promise<SmppSimulator>;
};

const routingFile = path.join(root, 'services/alert-dispatcher/fixtures/routing.short-sla.yaml');

/** The fixture's people: e-mail and phone per recipient id (fictitious). */
const people = {
  'po-alm-1': { email: 'po-alm-1@beacon.example', phone: '77000000101' },
  'po-alm-2': { email: 'po-alm-2@beacon.example', phone: '77000000102' },
  'lead-alm': { email: 'lead-alm@beacon.example', phone: '77000000103' },
  'lap-alm': { email: 'lap-alm@beacon.example', phone: '77000000161' },
  'po-ast-1': { email: 'po-ast-1@beacon.example', phone: '77000000201' },
  'po-ast-2': { email: 'po-ast-2@beacon.example', phone: '77000000202' },
  'lead-ast': { email: 'lead-ast@beacon.example', phone: '77000000203' },
  'po-shy-1': { email: 'po-shy-1@beacon.example', phone: '77000000301' },
  'po-kar-1': { email: 'po-kar-1@beacon.example', phone: '77000000401' },
  'po-kar-2': { email: 'po-kar-2@beacon.example', phone: '77000000402' },
} as const;
type PersonId = keyof typeof people;

interface Accepted {
  incidentId: string;
  cases: { caseId: string }[];
}

interface TimelineView {
  timeline: { name: string; summary: string; occurredAt: string }[];
}

const SECRETS = [
  ...SEED_PERSONS.flatMap((p) => [
    p.name,
    ...p.name.split(' '),
    p.registrationNumber,
    p.phone,
    p.dateOfBirth,
  ]),
  'Timiryazev',
];

describe('alerting: pages reach a person, escalate until someone takes the case', () => {
  const hotlineKey = `bk_dev_${randomBytes(32).toString('base64url')}`;
  // A national officer's session: may read and acknowledge in every region.
  let session: ConsoleSession;
  let officerId = '';
  const serviceToken = randomBytes(32).toString('base64url');
  let db: TestDatabase;
  let sim: SmppSimulator;
  const captures: SmtpCapture[] = [];
  const services: ServiceProcess[] = [];
  const dispatchers: ServiceProcess[] = [];
  const everyDispatcher: ServiceProcess[] = [];
  let intake: ServiceProcess;
  let console_: ServiceProcess;
  let dispatcherEnv: Record<string, string>;

  const mails = (): CapturedMail[] => captures.flatMap((c) => c.messages);
  const mailsTo = (who: PersonId) =>
    mails().filter((m) => m.envelopeTo.includes(people[who].email));
  const smsTo = (who: PersonId) => sim.messages.filter((m) => m.to === people[who].phone);
  const waitForMailTo = (who: PersonId, after: number, timeoutMs: number) =>
    waitFor(() => mailsTo(who).find((m) => m.receivedAt >= after), {
      timeoutMs,
      what: `an e-mail to ${who}`,
    });
  const waitForSmsTo = (who: PersonId, after: number, timeoutMs: number) =>
    sim.waitForMessage((m) => m.to === people[who].phone && m.receivedAt >= after, timeoutMs);

  async function startDispatcher(overrides: Record<string, string> = {}): Promise<ServiceProcess> {
    const port = await freePort();
    const bound = sim.boundSessions();
    const dispatcher = await startService(
      'alert-dispatcher',
      { ...dispatcherEnv, PUBLIC_DISPATCHER_URL: `http://127.0.0.1:${port}`, ...overrides },
      port,
    );
    dispatchers.push(dispatcher);
    everyDispatcher.push(dispatcher);
    await waitFor(() => sim.boundSessions() > bound, {
      timeoutMs: 10_000,
      what: 'the dispatcher to bind to the SMSC',
    });
    return dispatcher;
  }

  async function stopDispatchers(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await Promise.all(dispatchers.splice(0).map((d) => d.stop(signal)));
    await waitFor(() => sim.boundSessions() === 0, {
      timeoutMs: 10_000,
      what: 'the SMPP binds to close',
    });
  }

  async function sql<T extends object>(text: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query<T>(text, params)).rows;
    } finally {
      await client.end();
    }
  }

  let reports = 0;
  /**
   * The seed report, moved to a region and cut to the first `persons` people. After the first,
   * registration numbers are new, or the people would join the seed's open cases.
   */
  async function report(
    region: string,
    persons: number,
  ): Promise<{ accepted: Accepted; acceptedAt: number }> {
    const seedBody = seedReport(new Date(Date.now() - 40 * 60_000).toISOString());
    const batch = reports++;
    const body = {
      ...seedBody,
      region,
      persons: seedBody.persons.slice(0, persons).map((p, i) =>
        batch === 0
          ? p
          : {
              ...p,
              registrationNumber: `123-09C${String(batch * 10 + i).padStart(5, '0')}`,
              phone: `+7701000${String(batch * 10 + i).padStart(4, '0')}`,
            },
      ),
      facts: seedBody.facts
        .filter((f) => f.type !== 'ill-treatment-reported' || persons > 2)
        .map((f) => ('place' in f ? { ...f, place: { ...f.place, region } } : f)),
    };
    const response = await fetch(`${intake.baseUrl}/v1/reports`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${hotlineKey}`,
        'content-type': 'application/json',
        'idempotency-key': `alerting-${randomBytes(8).toString('hex')}`,
      },
      body: JSON.stringify(body),
    });
    const acceptedAt = Date.now();
    expect(response.status).toBe(202);
    return { accepted: (await response.json()) as Accepted, acceptedAt };
  }

  const timeline = async (caseId: string): Promise<TimelineView['timeline']> => {
    const response = await fetch(`${console_.baseUrl}/v1/cases/${caseId}`, {
      headers: { authorization: `Bearer ${await session.token()}` },
    });
    return response.ok ? ((await response.json()) as TimelineView).timeline : [];
  };

  const waitForTimeline = (
    caseId: string,
    predicate: (entry: TimelineView['timeline'][number]) => boolean,
    what: string,
    timeoutMs = 15_000,
  ) =>
    waitFor(async () => (await timeline(caseId)).find(predicate), {
      timeoutMs,
      intervalMs: 200,
      what,
    });

  /** Who the short-SLA routing pages at a tier of a region's critical policy, on which channels. */
  const tierOf = (region: string, tier: number) => {
    const parsed = parseRoutingConfig(parse(readFileSync(routingFile, 'utf8')));
    if (!parsed.ok) throw new Error('the routing fixture is not valid');
    return recipientsForTier(parsed.config, region, 'critical', tier, new Date())!.recipients;
  };

  const ackCodeIn = (text: string): string => {
    const code = /ACK (\d{4,6})/.exec(text)?.[1];
    if (!code) throw new Error('no acknowledgement code in the message');
    return code;
  };

  beforeAll(async () => {
    const brokers = requireInfrastructure('KAFKA_BROKERS');
    db = await createTestDatabase('beacon_alerting_e2e');
    captures.push(await startSmtpCapture());
    sim = await startSmppSimulator();
    const shared = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: `${uniqueName('alerting')}.`,
      LOG_LEVEL: 'info',
    };
    const [intakePort, projectorPort, consolePort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
    ]);
    intake = await startService(
      'intake-api',
      {
        ...shared,
        PERSON_HMAC_KEY: randomBytes(32).toString('base64'),
        VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`,
        DEV_API_KEY: hotlineKey,
      },
      intakePort,
    );
    services.push(intake);
    services.push(await startService('case-projector', shared, projectorPort));
    dispatcherEnv = {
      ...shared,
      SMTP_URL: captures[0]!.url,
      SMPP_URL: sim.url,
      ROUTING_CONFIG_PATH: routingFile,
      PUBLIC_CONSOLE_URL: `http://127.0.0.1:${consolePort}`,
      ACK_LINK_SECRET: randomBytes(32).toString('base64url'),
      CONSOLE_SERVICE_TOKEN: serviceToken,
      DELIVERY_RETRY_BASE_MS: '500',
      TIMERS_POLL_MS: '200',
    };
    const first = await startDispatcher();
    const consoleEnv = {
      DATABASE_URL: db.url,
      VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`,
      ...consoleSecrets(),
      ALERT_DISPATCHER_URL: `http://console:${serviceToken}@127.0.0.1:${first.port}`,
    };
    console_ = await startService('ops-console', consoleEnv, consolePort);
    const officer = createAccount(consoleEnv, 'officer-e2e', 'officer', { regions: ['*'] });
    officerId = officer.userId;
    session = new ConsoleSession(console_.baseUrl, officer);
    await session.token();
    services.push(console_);
  });

  afterAll(async () => {
    // BEACON_E2E_OUTPUT=1 shows what the dispatchers logged, to diagnose a failure.
    if (process.env.BEACON_E2E_OUTPUT)
      for (const d of everyDispatcher) process.stderr.write(d.output().slice(-30_000));
    await Promise.all([...dispatchers, ...services].map((s) => s.stop()));
    await Promise.all(captures.map((c) => c.stop()));
    await sim?.stop();
    await db?.drop();
  });

  let seed: { accepted: Accepted; acceptedAt: number; pagedAt: number; ackCode: string };

  it("seed scenario: pages Almaty's on-call officer by e-mail and SMS in under 5 s, once for the incident", async () => {
    const { accepted, acceptedAt } = await report('almaty', 5);
    expect(accepted.cases).toHaveLength(5);

    const [mail, sms] = await Promise.all([
      waitForMailTo('po-alm-1', acceptedAt, 5_000),
      waitForSmsTo('po-alm-1', acceptedAt, 5_000),
    ]);
    expect(mail.receivedAt - acceptedAt).toBeLessThan(5_000);
    expect(sms.receivedAt - acceptedAt).toBeLessThan(5_000);
    // The legal-aid partner for the region is paged with the officer.
    await waitForMailTo('lap-alm', acceptedAt, 5_000);
    await waitForSmsTo('lap-alm', acceptedAt, 5_000);

    // Five cases, one raid: later cases join the first page instead of paging again.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(mailsTo('po-alm-1')).toHaveLength(1);
    expect(smsTo('po-alm-1')).toHaveLength(1);
    expect(mailsTo('lap-alm')).toHaveLength(1);
    expect(smsTo('lap-alm')).toHaveLength(1);

    // A pointer, never the case: urgency, event code, case reference, how to acknowledge.
    const caseRefs = accepted.cases.map((c) => caseRefOf(c.caseId));
    expect(caseRefs.some((ref) => mail.parsed.subject?.includes(ref))).toBe(true);
    expect(mail.parsed.text).toMatch(/ACK \d{4}/);
    expect(mail.parsed.html).toMatch(
      /href="http:\/\/127\.0\.0\.1:\d+\/v1\/ack\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"/,
    );
    expect(sms.text).toMatch(/^Beacon: КРИТИЧНО [A-Z]{3} дело BCN-\d{6}\. Ответ: ACK \d{4}$/);
    expect(sms.encoding).toBe('UCS2');
    for (const secret of SECRETS) {
      expect(mail.raw).not.toContain(secret);
      expect(sms.text).not.toContain(secret);
    }

    seed = {
      accepted,
      acceptedAt,
      pagedAt: Math.min(mail.receivedAt, sms.receivedAt),
      ackCode: ackCodeIn(sms.text),
    };
    // Every case's timeline records its alert; the SMSC's receipt shows the SMS delivered.
    for (const { caseId } of accepted.cases) {
      await waitForTimeline(caseId, (e) => e.name === 'alert-raised', `alert-raised on ${caseId}`);
    }
    const paged = accepted.cases.find(
      (c) => caseRefOf(c.caseId) === /BCN-\d{6}/.exec(sms.text)?.[0],
    );
    expect(paged).toBeDefined();
    await waitForTimeline(
      paged!.caseId,
      (e) => e.name === 'notification-delivered' && e.summary.includes('channel=sms'),
      'the SMS delivery receipt',
    );
  });

  it('ACK by SMS stops the escalation: the deputy is never paged', async () => {
    await sim.reply({ from: `+${people['po-alm-1'].phone}`, text: `ACK ${seed.ackCode}` });

    // One acknowledgement takes the whole raid: every case records who and how.
    for (const { caseId } of seed.accepted.cases) {
      const entry = await waitForTimeline(
        caseId,
        (e) => e.name === 'alert-acknowledged',
        `alert-acknowledged on ${caseId}`,
      );
      expect(entry.summary).toContain('by=po-alm-1');
      expect(entry.summary).toContain('via=sms');
    }
    // The SLA is 12 s from the page; wait it out with margin.
    const slaEnd = seed.pagedAt + 12_000 + 4_000;
    await new Promise((r) => setTimeout(r, Math.max(0, slaEnd - Date.now())));
    expect(mailsTo('po-alm-2')).toHaveLength(0);
    expect(smsTo('po-alm-2')).toHaveLength(0);
    for (const { caseId } of seed.accepted.cases) {
      expect((await timeline(caseId)).map((e) => e.name)).not.toContain('alert-escalated');
    }
  });

  it('without an acknowledgement the next tier is paged at the SLA, then the one after, until taken in the console', async () => {
    const { accepted, acceptedAt } = await report('astana', 1);
    const caseId = accepted.cases[0]!.caseId;
    const page = await waitForSmsTo('po-ast-1', acceptedAt, 5_000);
    const raisedAt = Date.parse(
      (await waitForTimeline(caseId, (e) => e.name === 'alert-raised', 'alert-raised')).occurredAt,
    );

    // Tier 1 (the deputy) at 9 s, tier 2 (the regional lead and the UNHCR focal point) 9 s later.
    const deputy = await waitForSmsTo('po-ast-2', acceptedAt, 20_000);
    const deputyMail = await waitForMailTo('po-ast-2', acceptedAt, 5_000);
    expect(deputy.receivedAt - raisedAt).toBeGreaterThanOrEqual(9_000);
    expect(deputy.receivedAt - raisedAt).toBeLessThan(9_000 + 3_000);
    expect(deputy.text).toMatch(/ESKALATSIYA/);
    expect(deputyMail.parsed.subject).toMatch(/ESKALATSIYA/);
    expect(ackCodeIn(deputy.text)).toBe(ackCodeIn(page.text));

    // Every recipient of the last tier, on each of the tier's channels they have, at the SLA.
    const tiers = [0, 1, 2].map((tier) => tierOf('astana', tier));
    expect(tiers[2]!.map((r) => r.id)).toEqual(['lead-ast', 'unhcr-kz']);
    expect(tiers[2]!.map((r) => r.channels.map((c) => c.channel).sort())).toEqual([
      ['email', 'sms'],
      ['email', 'sms'],
    ]);
    for (const { id, channels } of tiers[2]!) {
      for (const { channel, address } of channels) {
        const { receivedAt, text } =
          channel === 'sms'
            ? await sim.waitForMessage(
                (m) => m.to === address.replace(/^\+/, '') && m.receivedAt >= acceptedAt,
                20_000,
              )
            : await waitFor(
                () => {
                  const mail = mails().find(
                    (m) => m.envelopeTo.includes(address) && m.receivedAt >= acceptedAt,
                  );
                  return mail && { receivedAt: mail.receivedAt, text: mail.parsed.subject ?? '' };
                },
                { timeoutMs: 20_000, what: `an e-mail to ${id}` },
              );
        const after = receivedAt - raisedAt;
        // One assertion per message that names whose it is when it fails.
        expect([`${id} by ${channel}`, after >= 18_000 && after < 18_000 + 3_000, text]).toEqual([
          `${id} by ${channel}`,
          true,
          expect.stringMatching(/ЭСКАЛАЦИЯ|ESCALATED/),
        ]);
      }
    }
    const escalations = await waitFor(
      async () => {
        const found = (await timeline(caseId))
          .filter((e) => e.name === 'alert-escalated')
          .map((e) => e.summary);
        return found.length >= 2 ? found : null;
      },
      { timeoutMs: 10_000, what: 'both escalations on the timeline' },
    );
    expect(escalations).toEqual([
      expect.stringContaining('from=0 to=1'),
      expect.stringContaining('from=1 to=2'),
    ]);

    // Taken in the console: ops-console forwards it to the dispatcher as the signed-in user.
    const alertId = /alert=([0-9a-f-]{36})/.exec(
      (await timeline(caseId)).find((e) => e.name === 'alert-raised')!.summary,
    )![1]!;
    const ack = await fetch(`${console_.baseUrl}/v1/alerts/${alertId}/acknowledge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await session.token()}` },
    });
    expect(ack.status).toBe(200);
    expect(await ack.json()).toMatchObject({
      alertId,
      status: 'acknowledged',
      by: `user:${officerId}`,
      via: 'console',
    });
    const acked = await waitForTimeline(
      caseId,
      (e) => e.name === 'alert-acknowledged',
      'alert-acknowledged',
    );
    expect(acked.summary).toContain(`by=user:${officerId} via=console`);

    // Nobody was paged twice about the case, and nobody outside the tiers was paged at all.
    await new Promise((r) => setTimeout(r, 2_000));
    const ref = caseRefOf(caseId);
    const pages = [
      ...sim.messages.filter((m) => m.text.includes(ref)).map((m) => `sms:${m.to}`),
      ...mails()
        .filter((m) => m.parsed.subject?.includes(ref))
        .flatMap((m) => m.envelopeTo.map((to) => `email:${to}`)),
    ].sort();
    const expected = tiers
      .flat()
      .flatMap((r) => r.channels.map((c) => `${c.channel}:${c.address.replace(/^\+/, '')}`))
      .sort();
    expect(new Set(pages).size).toBe(pages.length);
    expect(pages).toEqual(expected);
  });

  it('survives a dispatcher SIGKILL between raise and timeout: the deputy is still paged at the SLA, once', async () => {
    const { accepted, acceptedAt } = await report('astana', 1);
    const caseId = accepted.cases[0]!.caseId;
    await waitForSmsTo('po-ast-1', acceptedAt, 5_000);
    const raisedAt = Date.parse(
      (await waitForTimeline(caseId, (e) => e.name === 'alert-raised', 'alert-raised')).occurredAt,
    );
    await waitFor(
      async () =>
        (
          await sql<{ n: string }>(
            `SELECT count(*) AS n FROM alerting.notifications WHERE case_id = $1 AND status = 'pending'`,
            [caseId],
          )
        )[0]?.n === '0',
      { timeoutMs: 5_000, what: 'the page to be recorded as sent' },
    );
    const deputyBefore = smsTo('po-ast-2').length;

    await stopDispatchers('SIGKILL');
    expect(
      await sql(
        `SELECT 1 FROM alerting.escalations e JOIN alerting.alerts a USING (alert_id) WHERE a.case_id = $1`,
        [caseId],
      ),
    ).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 2_000));
    await startDispatcher();

    const deputy = await waitFor(() => smsTo('po-ast-2').slice(deputyBefore)[0], {
      timeoutMs: 20_000,
      what: 'the deputy page after the restart',
    });
    expect(deputy.receivedAt - raisedAt).toBeGreaterThanOrEqual(9_000);
    expect(deputy.receivedAt - raisedAt).toBeLessThan(9_000 + 5_000);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(smsTo('po-ast-2').slice(deputyBefore)).toHaveLength(1);
    // Acknowledge so tier 2 does not page while the next scenario runs.
    await sim.reply({
      from: `+${people['po-ast-2'].phone}`,
      text: `ACK ${ackCodeIn(deputy.text)}`,
    });
    await waitForTimeline(caseId, (e) => e.name === 'alert-acknowledged', 'alert-acknowledged');
  });

  it('works with two dispatcher instances without double pages', async () => {
    // The claim is about pages shared by two instances, not about a rebalance in progress: the
    // report goes in once the group has settled with both.
    const alone = await waitFor(() => groupMembers(), {
      timeoutMs: 30_000,
      what: 'the first dispatcher in its group',
    });
    await startDispatcher();
    expect(dispatchers).toHaveLength(2);
    await waitFor(async () => (await groupMembers()) === 2 * alone, {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'the consumer group to settle with both dispatchers',
    });
    const { accepted, acceptedAt } = await report('karaganda', 1);
    const caseId = accepted.cases[0]!.caseId;

    await waitForSmsTo('po-kar-1', acceptedAt, 5_000);
    await waitForMailTo('po-kar-1', acceptedAt, 5_000);
    // Tier 1 at 6 s; then nothing more can come, the policy ends there.
    await waitForSmsTo('po-kar-2', acceptedAt, 15_000);
    await waitForMailTo('po-kar-2', acceptedAt, 5_000);
    await new Promise((r) => setTimeout(r, 4_000));

    expect(smsTo('po-kar-1')).toHaveLength(1);
    expect(mailsTo('po-kar-1')).toHaveLength(1);
    expect(smsTo('po-kar-2')).toHaveLength(1);
    expect(mailsTo('po-kar-2')).toHaveLength(1);
    const names = (await timeline(caseId)).map((e) => e.name);
    expect(names.filter((n) => n === 'alert-raised')).toHaveLength(1);
    expect(names.filter((n) => n === 'alert-escalated')).toHaveLength(1);
  });

  it('sends the held incident update once the minute is up: one update for the four later cases', async () => {
    await new Promise((r) => setTimeout(r, Math.max(0, seed.pagedAt + 62_000 - Date.now())));
    await waitFor(() => mailsTo('po-alm-1').length >= 2, {
      timeoutMs: 10_000,
      what: 'the incident update e-mail',
    });
    await new Promise((r) => setTimeout(r, 1_000));

    const [page, update] = mailsTo('po-alm-1');
    expect(mailsTo('po-alm-1')).toHaveLength(2);
    expect(smsTo('po-alm-1')).toHaveLength(2);
    // The minute runs from the first page's decision; that page's own delivery took part of it.
    expect(update!.receivedAt - page!.receivedAt).toBeGreaterThanOrEqual(55_000);
    expect(update!.parsed.subject).toMatch(/обновление инцидента, дел: 5$/);
    expect(smsTo('po-alm-1')[1]!.text).toMatch(/дел в инциденте: 5\. ACK \d{4}$/);
  });

  it('with SMTP refusing connections the SMS still goes, and the e-mail is delivered when SMTP returns', async () => {
    const smtpPort = await freePort(); // nothing listens there yet: connections are refused
    await stopDispatchers();
    await startDispatcher({ SMTP_URL: `smtp://127.0.0.1:${smtpPort}` });

    const { accepted, acceptedAt } = await report('shymkent', 1);
    const caseId = accepted.cases[0]!.caseId;
    const sms = await waitForSmsTo('po-shy-1', acceptedAt, 5_000);
    expect(sms.receivedAt - acceptedAt).toBeLessThan(5_000);
    const failed = await waitForTimeline(
      caseId,
      (e) => e.name === 'notification-failed',
      'the failed e-mail attempt',
    );
    expect(failed.summary).toMatch(/channel=email .*error=E[A-Z]+ retry=yes/);
    expect(mailsTo('po-shy-1')).toHaveLength(0);

    const back = await startSmtpCapture(smtpPort);
    captures.push(back);
    const returnedAt = Date.now();
    const mail = await back.waitForMail(
      (m) => m.envelopeTo.includes(people['po-shy-1'].email),
      20_000,
    );
    expect(mail.receivedAt - returnedAt).toBeLessThan(20_000);
    await waitForTimeline(
      caseId,
      (e) => e.name === 'notification-sent' && e.summary.includes('channel=email'),
      'the e-mail recorded as sent',
    );
    expect(smsTo('po-shy-1')).toHaveLength(1);
  });

  it("replaying the dispatcher's input sends nothing twice", async () => {
    const before = { mails: mails().length, sms: sim.messages.length };
    const alertsBefore = await sql<{
      alert_id: string;
      status: string;
      acknowledged_by: string | null;
      tier: number;
    }>(`SELECT alert_id, status, acknowledged_by, tier FROM alerting.alerts ORDER BY alert_id`);
    // The SMTP server the running dispatcher uses: the one that came back in the last scenario.
    const smtpUrl = captures[captures.length - 1]!.url;
    await stopDispatchers();

    // 1. The consumer's stored offsets rewound to the start of the topic.
    await sql(`UPDATE alerting.kafka_checkpoints SET next_offset = 0`);
    await startDispatcher({ SMTP_URL: smtpUrl });
    await waitForCaughtUp();
    await stopDispatchers();

    // 2. A full rebuild: the dispatcher's state wiped and replayed from the topic.
    const rebuild = await runCli(['alerts', 'rebuild'], { ...dispatcherEnv, SMTP_URL: smtpUrl });
    expect(rebuild.code).toBe(0);
    expect(rebuild.stdout).toMatch(/rebuild prepared/);
    await startDispatcher({ SMTP_URL: smtpUrl });
    await waitForCaughtUp();
    await new Promise((r) => setTimeout(r, 3_000));

    expect(mails().length).toBe(before.mails);
    expect(sim.messages.length).toBe(before.sms);
    const alertsAfter = await sql<{
      alert_id: string;
      status: string;
      acknowledged_by: string | null;
      tier: number;
    }>(`SELECT alert_id, status, acknowledged_by, tier FROM alerting.alerts ORDER BY alert_id`);
    expect(alertsAfter).toEqual(alertsBefore);
  });

  async function withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = new Kafka({
      clientId: 'alerting-e2e',
      brokers: dispatcherEnv.KAFKA_BROKERS!.split(','),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }

  /** Members of the dispatchers' consumer group once it is stable (0 while it rebalances). */
  function groupMembers(): Promise<number> {
    return withAdmin(async (admin) => {
      const { groups } = await admin.describeGroups([
        `${dispatcherEnv.KAFKA_TOPIC_PREFIX}alert-dispatcher`,
      ]);
      return groups[0]?.state === 'Stable' ? groups[0].members.length : 0;
    });
  }

  /** Until the dispatcher's stored offsets reach the end of every partition of the case topic. */
  async function waitForCaughtUp(): Promise<void> {
    await withAdmin(async (admin) => {
      const topic = `${dispatcherEnv.KAFKA_TOPIC_PREFIX}beacon.case-events.v1`;
      await waitFor(
        async () => {
          const ends = await admin.fetchTopicOffsets(topic);
          const stored = new Map(
            (
              await sql<{ partition: number; next_offset: string }>(
                `SELECT partition, next_offset FROM alerting.kafka_checkpoints WHERE topic = $1`,
                [topic],
              )
            ).map((r) => [r.partition, BigInt(r.next_offset)]),
          );
          const marks = await sql(`SELECT 1 FROM alerting.replay_marks`);
          return (
            marks.length === 0 &&
            ends.every((e) => (stored.get(e.partition) ?? 0n) >= BigInt(e.high))
          );
        },
        { timeoutMs: 60_000, intervalMs: 250, what: 'the dispatcher to catch up with the topic' },
      );
    });
    await new Promise((r) => setTimeout(r, 1_500));
  }

  function runCli(
    args: string[],
    env: Record<string, string>,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(root, 'bin/beacon.mjs'), ...args], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  }
});
