import { CASE_EVENTS_TOPIC } from '@beacon/events';
import {
  createTestDatabase,
  requireInfrastructure,
  startSmtpCapture,
  uniqueName,
  waitFor,
  type SmtpCapture,
  type TestDatabase,
} from '@beacon/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { reportBody } from '../faults/load';
import { BeaconStack } from '../faults/stack';
import { notificationIdOf, readTopic } from '../faults/tally';

/**
 * Two instances of every service at once (same consumer groups, same database) against one
 * instance of each, fed the same reports: the same read model, the same alerts, each e-mail
 * sent once, and each report accepted once even when the retries of one Idempotency-Key land
 * on different intake instances, one after the other or at the same moment.
 */

interface Answer {
  status: number;
  reportId?: string;
  cases?: { personIndex: number; caseId: string; joinedExistingCase: boolean; eventIds: string[] }[];
}

interface Report {
  body: Record<string, unknown>;
  /** Posted to both intake instances at the same moment rather than one after the other. */
  race: boolean;
}

const registration = (i: number) => `123-09C${String(7100 + i).padStart(5, '0')}`;

/** The reports both runs receive, in two phases: the second names people the first opened cases for. */
function reportSet(): { first: Report[]; second: Report[] } {
  const first: Report[] = [];
  for (let i = 0; i < 24; i++) first.push({ body: reportBody(i % 2 === 0, i), race: i % 6 === 0 });
  // Known people, detained: the phase-two release of each joins this case by registration number.
  for (let i = 0; i < 4; i++) {
    const body = reportBody(true, 100 + i);
    const persons = body.persons.map((p) => ({ ...p, registrationNumber: registration(i) }));
    first.push({ body: { ...body, persons }, race: i === 0 });
  }
  // One raid, three people: one page per recipient, then one incident update.
  for (let i = 0; i < 2; i++) {
    const body = reportBody(true, 200 + i);
    const persons = [0, 1, 2].map((j) => ({ ...body.persons[0]!, name: `Raid ${i} person ${j}` }));
    first.push({ body: { ...body, persons }, race: i === 1 });
  }
  const second: Report[] = [0, 1, 2, 3].map((i) => ({
    race: i === 2,
    body: {
      occurredAt: new Date(Date.now() - 10 * 60_000).toISOString(),
      region: 'almaty',
      source: { role: 'family', reliability: 'credible', channel: 'call', language: 'ru' },
      recordedBy: 'operator-scale',
      persons: [{ unhcrStatus: 'refugee', registrationNumber: registration(i) }],
      facts: [{ type: 'released', conditions: ['unconditional'], confirmedBy: 'family' }],
    },
  }));
  return { first, second };
}

async function query<T extends object>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** What one run ended with, with case and notification ids replaced by "report/person", so runs compare. */
interface Outcome {
  reports: number;
  answers: Answer[];
  cases: Record<string, unknown>[];
  notificationEventsPerIncident: Record<string, number>;
  alerts: Record<string, unknown>[];
  notificationsSentPerIncident: Record<string, number>;
  notifications: string[];
  emails: string[];
  copiesPerNotification: number[];
  intakeReports: number;
  outboxEvents: number;
  topicRecords: number;
  topicDistinct: number;
  projectorsApplying: number;
}

async function run(instances: number): Promise<Outcome> {
  const db: TestDatabase = await createTestDatabase(`beacon_scale_${instances}`);
  const smtp: SmtpCapture = await startSmtpCapture();
  const prefix = `${uniqueName(`scale${instances}`)}.`;
  const brokers = requireInfrastructure('KAFKA_BROKERS');
  const stack = new BeaconStack(
    { databaseUrl: db.url, brokers, smtpUrl: smtp.url, prefix },
    {
      'intake-api': { KAFKA_TOPIC_PARTITIONS: '6', LOG_LEVEL: 'error' },
      'case-projector': { URGENCY_REVIEW_INTERVAL_MS: '0' },
      // A short grouping window, so the incident update goes within the test.
      'alert-dispatcher': { INCIDENT_WINDOW_MS: '5000' },
    },
  );
  try {
    await stack.start(instances);
    const intake = stack.instances['intake-api'];
    const post = async (url: string, body: unknown, key: string): Promise<Answer> => {
      const response = await fetch(`${url}/v1/reports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.hotlineKey}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
      });
      return response.status === 202 ? { status: 202, ...((await response.json()) as Omit<Answer, 'status'>) } : { status: response.status };
    };
    /** A client that retries on another instance until it has a 202; every 202 must name the same report. */
    const postRetried = async (report: Report, n: number): Promise<Answer[]> => {
      const key = `scale-${n}-${randomBytes(6).toString('hex')}`;
      const at = (k: number) => intake[(n + k) % intake.length]!.baseUrl;
      const answers = report.race
        ? await Promise.all([post(at(0), report.body, key), post(at(1), report.body, key)])
        : [await post(at(0), report.body, key)];
      // The retry that a lost answer would cause, on the other instance.
      answers.push(await post(at(1), report.body, key));
      while (answers.every((a) => a.status !== 202) || answers[answers.length - 1]!.status === 409) {
        await new Promise((r) => setTimeout(r, 300));
        answers.push(await post(at(answers.length), report.body, key));
      }
      return answers;
    };

    const { first, second } = reportSet();
    const answers: Answer[][] = [];
    for (let i = 0; i < first.length; i += 4) {
      answers.push(...(await Promise.all(first.slice(i, i + 4).map((r, k) => postRetried(r, i + k)))));
    }
    await settled(db.url, answers, smtp);
    for (const [k, report] of second.entries()) answers.push(await postRetried(report, first.length + k));
    await settled(db.url, answers, smtp);

    return await outcome(db.url, brokers, `${prefix}${CASE_EVENTS_TOPIC}`, answers, smtp, stack);
  } finally {
    await stack.stop();
    await smtp.stop();
    await db.drop();
  }
}

const accepted = (answers: Answer[]) => answers.find((a) => a.status === 202)!;

/** Waits until nothing is left to do: events projected, outboxes drained, no held update, no pending e-mail. */
async function settled(url: string, answers: Answer[][], smtp: SmtpCapture): Promise<void> {
  const eventIds = answers.flatMap((a) => accepted(a).cases!.flatMap((c) => c.eventIds));
  let previous = '';
  await waitFor(
    async () => {
      const [row] = await query<Record<string, number>>(
        url,
        `SELECT (SELECT count(*)::int FROM projection.case_timeline WHERE event_id = ANY($1::uuid[])) AS projected,
                (SELECT count(*)::int FROM intake.outbox WHERE published_at IS NULL) AS intake_backlog,
                (SELECT count(*)::int FROM alerting.outbox WHERE published_at IS NULL) AS alerting_backlog,
                (SELECT count(*)::int FROM alerting.incident_pages WHERE flush_at IS NOT NULL) AS held,
                (SELECT count(*)::int FROM alerting.notifications WHERE status = 'pending') AS pending,
                (SELECT count(*)::int FROM alerting.notifications WHERE status = 'sent') AS sent,
                (SELECT count(*)::int FROM projection.case_timeline WHERE event_name = 'notification-sent') AS sent_events`,
        [eventIds],
      );
      const now = JSON.stringify({ ...row, emails: smtp.messages.length });
      const done =
        row!.projected === eventIds.length &&
        row!.intake_backlog === 0 &&
        row!.alerting_backlog === 0 &&
        row!.held === 0 &&
        row!.pending === 0 &&
        row!.sent === smtp.messages.length &&
        row!.sent_events === row!.sent;
      // Twice the same, a second apart: nothing still on its way.
      const stable = done && now === previous;
      previous = now;
      return stable;
    },
    { timeoutMs: 120_000, intervalMs: 1_000, what: `the pipeline to settle (last: ${previous})` },
  );
}

async function outcome(url: string, brokers: string, topic: string, answers: Answer[][], smtp: SmtpCapture, stack: BeaconStack): Promise<Outcome> {
  // "report/person" stands for a case id, the same in both runs.
  const names = new Map<string, string>();
  answers.forEach((a, r) => accepted(a).cases!.forEach((c) => names.set(c.caseId, names.get(c.caseId) ?? `${r}/${c.personIndex}`)));
  const name = (caseId: unknown) => names.get(String(caseId)) ?? `unknown ${String(caseId)}`;
  // Which case of a several-person incident carries its page is whichever case the dispatchers
  // decided first, which two instances on different partitions may do in either order: pages
  // are compared per incident (one report is one incident here), every other fact per case.
  const incident = (caseId: unknown) => `incident ${name(caseId).split('/')[0]}`;
  const byName = (rows: Record<string, unknown>[]) => rows.map(({ case_id, ...rest }) => ({ case: name(case_id), ...rest })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

  const cases = await query<Record<string, unknown>>(
    url,
    `SELECT c.case_id, c.region, c.custody, c.location_status, c.access, c.removal_risk, c.closed, c.urgency, c.urgency_reasons, c.event_count,
            (SELECT array_agg(t.event_name ORDER BY t.event_name) FROM projection.case_timeline t WHERE t.case_id = c.case_id) AS timeline
     FROM projection.cases c`,
  );
  const alerts = await query<Record<string, unknown>>(
    url,
    `SELECT a.case_id, a.rule, a.urgency, a.status, a.tier, p.notifications_sent, p.resolve_reason
     FROM alerting.alerts a LEFT JOIN projection.alerts p USING (alert_id)`,
  );
  const notifications = await query<{ notification_id: string; case_id: string; recipient_id: string; kind: string; channel: string; status: string }>(
    url,
    `SELECT notification_id, case_id, recipient_id, kind, channel, status FROM alerting.notifications`,
  );
  const copies = new Map<string, number>();
  for (const mail of smtp.messages) {
    const id = notificationIdOf(mail) ?? 'none';
    copies.set(id, (copies.get(id) ?? 0) + 1);
  }
  const notificationById = new Map(notifications.map((n) => [n.notification_id, n]));
  const emails = smtp.messages
    .map((m) => {
      const n = notificationById.get(notificationIdOf(m) ?? 'none');
      return n ? `${m.envelopeTo.join(',')} ${n.kind} ${incident(n.case_id)}` : `unknown notification to ${m.envelopeTo.join(',')}`;
    })
    .sort();
  const [counts] = await query<{ reports: number; outbox: number }>(
    url,
    `SELECT (SELECT count(*)::int FROM intake.reports) AS reports, (SELECT count(*)::int FROM intake.outbox) AS outbox`,
  );
  const ids = await readTopic(brokers, topic);
  const projectors = await Promise.all(
    stack.instances['case-projector'].map(async (p) => ((await (await fetch(`${p.baseUrl}/health/ready`)).json()) as { applied: number }).applied),
  );
  const pagesOf = (rows: Record<string, unknown>[], count: (row: Record<string, unknown>) => number) => {
    const pages = new Map<string, number>();
    for (const row of rows) pages.set(incident(row.case_id), (pages.get(incident(row.case_id)) ?? 0) + count(row));
    return Object.fromEntries([...pages].filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b)));
  };
  const sent = (row: Record<string, unknown>) => (row.timeline as string[]).filter((n) => n === 'notification-sent').length;
  return {
    reports: answers.length,
    answers: answers.flat(),
    cases: byName(
      cases.map((c) => ({
        ...c,
        event_count: Number(c.event_count) - sent(c),
        timeline: (c.timeline as string[]).filter((n) => n !== 'notification-sent'),
      })),
    ),
    notificationEventsPerIncident: pagesOf(cases, sent),
    alerts: byName(alerts.map(({ notifications_sent: _, ...rest }) => rest)),
    notificationsSentPerIncident: pagesOf(alerts, (a) => Number(a.notifications_sent ?? 0)),
    notifications: notifications
      .map(({ notification_id: _, case_id, ...rest }) => JSON.stringify({ incident: incident(case_id), ...rest }))
      .sort(),
    emails,
    copiesPerNotification: [...copies.values()],
    intakeReports: counts!.reports,
    outboxEvents: counts!.outbox,
    topicRecords: ids.length,
    topicDistinct: new Set(ids).size,
    projectorsApplying: projectors.filter((n) => n > 0).length,
  };
}

describe('two instances of every service', () => {
  let single: Outcome;
  let doubled: Outcome;

  beforeAll(async () => {
    single = await run(1);
    doubled = await run(2);
  }, 600_000);

  it('accept each report once, whichever instance each retry of its Idempotency-Key reaches', () => {
    for (const o of [single, doubled]) {
      // Every answer to a report that was accepted names the same report; a 409 only while the first was in flight.
      expect(o.answers.every((a) => a.status === 202 || a.status === 409)).toBe(true);
      expect(o.intakeReports).toBe(o.reports);
    }
    const perReport = (o: Outcome) => o.answers.filter((a) => a.status === 202).map((a) => a.reportId);
    expect(new Set(perReport(doubled)).size).toBe(doubled.reports);
    expect(doubled.outboxEvents).toBe(single.outboxEvents);
    expect(doubled.topicDistinct).toBe(single.topicDistinct);
    // Both projectors of the group took a share of the partitions.
    expect(doubled.projectorsApplying).toBe(2);
  });

  it('end with the read model of one instance', () => {
    expect(doubled.cases).toHaveLength(single.cases.length);
    expect(doubled.cases).toEqual(single.cases);
    expect(doubled.notificationEventsPerIncident).toEqual(single.notificationEventsPerIncident);
    expect(Object.keys(single.notificationEventsPerIncident).length).toBeGreaterThan(0);
    // The known people's releases joined their cases; nothing opened a case twice.
    expect(doubled.cases.filter((c) => c.custody === 'released')).toHaveLength(4);
  });

  it('raise the same alerts, and send every e-mail once', () => {
    expect(doubled.alerts).toEqual(single.alerts);
    expect(doubled.notificationsSentPerIncident).toEqual(single.notificationsSentPerIncident);
    expect(doubled.notifications).toEqual(single.notifications);
    expect(doubled.emails).toEqual(single.emails);
    expect(doubled.copiesPerNotification.every((n) => n === 1)).toBe(true);
    expect(single.copiesPerNotification.every((n) => n === 1)).toBe(true);
    // Pages, the raids' incident updates and the releases' stand-downs all went.
    const kinds = new Set(doubled.emails.map((e) => e.split(' ')[1]));
    expect([...kinds]).toEqual(expect.arrayContaining(['alert', 'incident-update', 'stand-down']));
  });
});
