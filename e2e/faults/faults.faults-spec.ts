import { CASE_EVENTS_TOPIC } from '@beacon/events';
import { uniqueName } from '@beacon/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DedicatedBroker, PrivatePostgres, RestartableSmtp } from './infra';
import { startLoad, type AcceptedReport, type Hotline } from './load';
import { BeaconStack } from './stack';
import { formatTable, tally, waitForSettled, type Tally, type TallyContext } from './tally';

/**
 * Beacon's promise, checked under faults: no report is lost and no urgent case goes
 * unannounced. Each scenario runs a steady load of reports (a quarter of them critical, each
 * paging two people by e-mail), injects its fault, lets the load run on after recovery, waits
 * for the pipeline to settle, then counts what a user would: 202 answers, events on the topic,
 * events in the read model, alerts, e-mails.
 *
 * FAULTS_PROFILE=short (the `npm test` stage) injects each fault once with short outages.
 */
const short = process.env.FAULTS_PROFILE === 'short';
const profile = short
  ? { perSecond: 10, criticalShare: 0.25, warmupMs: 3_000, afterMs: 5_000, brokerKills: 1, brokerDownMs: 5_000, processKills: 1, killGapMs: 3_000, pgRestarts: 1, pgDownMs: 5_000, smtpDownMs: 15_000 }
  : { perSecond: 12, criticalShare: 0.25, warmupMs: 8_000, afterMs: 12_000, brokerKills: 2, brokerDownMs: 10_000, processKills: 3, killGapMs: 6_000, pgRestarts: 2, pgDownMs: 10_000, smtpDownMs: 60_000 };
// Re-sending a notification whose send a crash cut short waits for its lease (send timeout + 30 s).
const SETTLE_MS = 180_000;
const SCENARIO_MS = 600_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

describe(`Beacon under faults (${short ? 'short' : 'full'} profile, ${profile.perSecond} reports/s)`, () => {
  let pg: PrivatePostgres | undefined;
  let broker: DedicatedBroker | undefined;
  const smtp = new RestartableSmtp();
  let stack: BeaconStack | undefined;
  let ctx: TallyContext;
  let hotline: Hotline;
  const tallies: Tally[] = [];

  beforeAll(async () => {
    pg = await PrivatePostgres.create();
    const databaseUrl = await pg.createDatabase('beacon_faults');
    broker = new DedicatedBroker();
    const brokers = await broker.ready();
    await smtp.start();
    const prefix = `${uniqueName('faults')}.`;
    stack = new BeaconStack(
      { databaseUrl, brokers, smtpUrl: smtp.url, prefix },
      {
        // Retries of a refused e-mail come back within seconds of SMTP returning, not minutes.
        'alert-dispatcher': { DELIVERY_RETRY_BASE_MS: '500', SEND_TIMEOUT_MS: '5000' },
        // Time-based re-assessment has nothing to do in a run of minutes.
        'case-projector': { URGENCY_REVIEW_INTERVAL_MS: '0' },
      },
    );
    await stack.start(1);
    const running = stack;
    hotline = { intakeUrls: () => running.instances['intake-api'].map((s) => s.baseUrl), key: running.hotlineKey };
    ctx = { databaseUrl, brokers, topic: `${prefix}${CASE_EVENTS_TOPIC}`, mails: () => smtp.messages };
  }, 300_000);

  afterAll(async () => {
    if (tallies.length > 0) {
      const table = formatTable(tallies);
      process.stdout.write(`\nFault suite, ${short ? 'short' : 'full'} profile, ${profile.perSecond} reports/s:\n${table}\n`);
      const out = path.resolve(__dirname, '../../tmp/faults');
      mkdirSync(out, { recursive: true });
      writeFileSync(path.join(out, `table-${short ? 'short' : 'full'}.md`), `${table}\n`);
    }
    await stack?.stop();
    await smtp.stop();
    await broker?.close();
    pg?.drop();
  }, 120_000);

  /** Load on, fault, load on after recovery, settle, count, assert. */
  async function scenario(name: string, inject: () => Promise<{ faults: string; crashes: number }>): Promise<Tally> {
    const started = Date.now();
    const load = startLoad(hotline, profile);
    let reports: AcceptedReport[];
    let injected: { faults: string; crashes: number };
    try {
      await sleep(profile.warmupMs);
      injected = await inject();
      await sleep(profile.afterMs);
      reports = await load.finish();
      expect(reports).toHaveLength(load.started());
      await waitForSettled(ctx, reports, SETTLE_MS);
    } catch (error) {
      await load.finish().catch(() => undefined);
      // Say which service gave up and what it said last.
      const died = stack!.deaths();
      throw new Error(`${(error as Error).message}\n${died.length > 0 ? `died:\n${died.join('\n')}` : stack!.outputs()}`);
    }
    const t = await tally(ctx, reports, { name, ...injected, seconds: Math.round((Date.now() - started) / 1000) });
    tallies.push(t);
    process.stdout.write(`\n${formatTable([t])}\n`);

    // Nothing lost: every accepted report's events are on the topic and in the read model.
    expect(t.reports).toBe(reports.length);
    expect(t.topicDistinct).toBe(t.events);
    expect(t.readModelDistinct).toBe(t.events);
    // Nothing applied twice: one timeline row per event, and each case counted each event once.
    expect(t.readModelRows).toBe(t.readModelDistinct);
    expect(t.applied).toBe(t.caseTimelineRows);
    // Every critical case alerted once, and only those.
    expect(t.alertsRaised).toBe(t.criticalReports);
    expect(t.casesWithTwoAlerts).toBe(0);
    expect(t.alertsOnRoutineCases).toBe(0);
    expect(t.alertsInReadModel).toBe(t.alertsRaised);
    // Every alert delivered: both pages of each alert reached the mailbox and are on the timeline.
    expect(t.notifications).toBe(2 * t.alertsRaised);
    expect(t.notificationsSent).toBe(t.notifications);
    expect(t.delivered).toBe(t.notifications);
    expect(t.alertsWithoutEmail).toBe(0);
    expect(t.notificationSentEvents).toBeGreaterThanOrEqual(t.notifications);
    // At most one duplicate of a notification per crash: a send cut short is re-sent once its
    // lease ends (every send in flight at the crash may be, see docs/faults.md).
    expect(t.maxCopies - 1).toBeLessThanOrEqual(t.crashes);
    // No service died of the fault: the suite's own kills are replaced, nothing else may exit.
    expect(stack!.deaths()).toEqual([]);
    return t;
  }

  it(
    '(a) the Kafka broker SIGKILLed and restarted on the same data and ports',
    async () => {
      await scenario('Kafka broker SIGKILL', async () => {
        const down: number[] = [];
        for (let i = 0; i < profile.brokerKills; i++) {
          if (i > 0) await sleep(profile.killGapMs);
          const at = Date.now();
          await broker!.command('kill');
          await sleep(profile.brokerDownMs);
          await broker!.command('start');
          down.push(Date.now() - at);
        }
        return { faults: `${profile.brokerKills}× broker down ${down.map(seconds).join(', ')}`, crashes: profile.brokerKills };
      });
    },
    SCENARIO_MS,
  );

  it(
    '(b) the projector and the dispatcher SIGKILLed again and again',
    async () => {
      await scenario('projector + dispatcher SIGKILL', async () => {
        for (let i = 0; i < profile.processKills; i++) {
          await stack!.crash('case-projector');
          await sleep(profile.killGapMs / 2);
          await stack!.crash('alert-dispatcher');
          await sleep(profile.killGapMs);
        }
        await stack!.ready();
        return { faults: `${profile.processKills}× projector, ${profile.processKills}× dispatcher`, crashes: 2 * profile.processKills };
      });
    },
    SCENARIO_MS,
  );

  it(
    '(c) PostgreSQL stopped as in a crash, then started again',
    async () => {
      await scenario('PostgreSQL restart', async () => {
        const down: number[] = [];
        for (let i = 0; i < profile.pgRestarts; i++) {
          if (i > 0) await sleep(profile.killGapMs);
          const at = Date.now();
          pg!.crash();
          await sleep(profile.pgDownMs);
          await pg!.start();
          down.push(Date.now() - at);
        }
        return { faults: `${profile.pgRestarts}× immediate stop, down ${down.map(seconds).join(', ')}`, crashes: profile.pgRestarts };
      });
    },
    SCENARIO_MS,
  );

  it(
    '(d) SMTP down, then back on the same port',
    async () => {
      await scenario('SMTP down', async () => {
        const at = Date.now();
        await smtp.stop();
        await sleep(profile.smtpDownMs);
        await smtp.start();
        return { faults: `SMTP down ${seconds(Date.now() - at)}`, crashes: 1 };
      });
    },
    SCENARIO_MS,
  );
});
