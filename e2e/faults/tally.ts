import { type CapturedMail, uniqueName, waitFor } from '@beacon/testing';
import { Kafka, logLevel } from 'kafkajs';
import { type AcceptedReport } from './load';
import { withClient } from './infra';

/** What one scenario ended with, counted where a user would look: answers, topic, read model, alerts, mailbox. */
export interface Tally {
  scenario: string;
  faults: string;
  /** Crashes or outages the scenario caused: each may cost at most one duplicate e-mail. */
  crashes: number;
  reports: number;
  attempts: number;
  criticalReports: number;
  /** Case events the 202 answers named. */
  events: number;
  topicDistinct: number;
  topicRecords: number;
  readModelDistinct: number;
  readModelRows: number;
  /** Σ event_count of the scenario's cases, against the timeline rows of those cases. */
  applied: number;
  caseTimelineRows: number;
  alertsRaised: number;
  alertsInReadModel: number;
  casesWithTwoAlerts: number;
  alertsOnRoutineCases: number;
  notifications: number;
  notificationsSent: number;
  notificationSentEvents: number;
  delivered: number;
  emails: number;
  duplicates: number;
  maxCopies: number;
  alertsWithoutEmail: number;
  seconds: number;
}

export interface TallyContext {
  databaseUrl: string;
  brokers: string;
  topic: string;
  mails: () => CapturedMail[];
}

export const notificationIdOf = (mail: CapturedMail): string | undefined => {
  const value = mail.parsed.headers.get('x-beacon-notification');
  return typeof value === 'string' ? value : undefined;
};

/** Every record of the topic from the beginning: its ce_id header, as a new consumer group reads it. */
export async function readTopic(brokers: string, topic: string): Promise<string[]> {
  const kafka = new Kafka({ clientId: 'faults-tally', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const ends = new Map(offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => [o.partition, Number(o.high)]));
  const ids: string[] = [];
  if (ends.size === 0) return ids;
  const consumer = kafka.consumer({ groupId: uniqueName('faults-tally'), maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} took over 120 s`)), 120_000);
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              const id = message.headers?.ce_id;
              if (id !== undefined) ids.push(id.toString());
              const end = ends.get(batch.partition);
              if (end !== undefined && Number(message.offset) + 1 >= end) ends.delete(batch.partition);
            }
            if (ends.size === 0) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return ids;
}

interface Counts {
  timelineRows: number;
  timelineDistinct: number;
  caseTimelineRows: number;
  applied: number;
  alerts: { case_id: string; alert_id: string }[];
  alertsInReadModel: number;
  notifications: { notification_id: string; alert_id: string; status: string }[];
  notificationSentEvents: number;
}

async function databaseCounts(url: string, eventIds: string[], caseIds: string[], criticalCaseIds: string[]): Promise<Counts> {
  return withClient(url, async (db) => {
    const timeline = await db.query<{ rows: number; distinct: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS distinct FROM projection.case_timeline WHERE event_id = ANY($1::uuid[])`,
      [eventIds],
    );
    const perCase = await db.query<{ rows: number; applied: number }>(
      `SELECT (SELECT count(*)::int FROM projection.case_timeline WHERE case_id = ANY($1::uuid[])) AS rows,
              (SELECT coalesce(sum(event_count), 0)::int FROM projection.cases WHERE case_id = ANY($1::uuid[])) AS applied`,
      [caseIds],
    );
    const alerts = await db.query<{ case_id: string; alert_id: string }>(
      `SELECT case_id, alert_id FROM alerting.alerts WHERE case_id = ANY($1::uuid[])`,
      [caseIds],
    );
    const projected = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM projection.alerts WHERE case_id = ANY($1::uuid[])`, [caseIds]);
    const notifications = await db.query<{ notification_id: string; alert_id: string; status: string }>(
      `SELECT notification_id, alert_id, status FROM alerting.notifications WHERE case_id = ANY($1::uuid[])`,
      [criticalCaseIds],
    );
    const sentEvents = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM projection.case_timeline WHERE case_id = ANY($1::uuid[]) AND event_name = 'notification-sent'`,
      [criticalCaseIds],
    );
    return {
      timelineRows: timeline.rows[0]!.rows,
      timelineDistinct: timeline.rows[0]!.distinct,
      caseTimelineRows: perCase.rows[0]!.rows,
      applied: perCase.rows[0]!.applied,
      alerts: alerts.rows,
      alertsInReadModel: projected.rows[0]!.n,
      notifications: notifications.rows,
      notificationSentEvents: sentEvents.rows[0]!.n,
    };
  });
}

const scope = (reports: AcceptedReport[]) => {
  const eventIds = reports.flatMap((r) => r.cases.flatMap((c) => c.eventIds));
  const caseIds = reports.flatMap((r) => r.cases.map((c) => c.caseId));
  const criticalCaseIds = reports.filter((r) => r.critical).flatMap((r) => r.cases.map((c) => c.caseId));
  return { eventIds, caseIds, criticalCaseIds };
};

/**
 * Waits until the pipeline has settled for these reports: every event in the read model, an
 * alert for every critical case, every notification sent and its e-mail received, and the
 * dispatcher's notification-sent events back on the case timelines. A notification whose send
 * was cut by a crash is re-sent once its lease ends (about 30 s), so this can take a while.
 */
export async function waitForSettled(ctx: TallyContext, reports: AcceptedReport[], timeoutMs: number): Promise<void> {
  const { eventIds, caseIds, criticalCaseIds } = scope(reports);
  let last = '';
  await waitFor(
    async () => {
      const c = await databaseCounts(ctx.databaseUrl, eventIds, caseIds, criticalCaseIds);
      const mailed = new Set(ctx.mails().map(notificationIdOf));
      const unsent = c.notifications.filter((n) => n.status !== 'sent').length;
      const unmailed = c.notifications.filter((n) => !mailed.has(n.notification_id)).length;
      last =
        `read model ${c.timelineDistinct}/${eventIds.length} events, alerts ${c.alerts.length}/${criticalCaseIds.length}, ` +
        `notifications ${c.notifications.length} (${unsent} not sent, ${unmailed} not received), notification-sent events ${c.notificationSentEvents}`;
      return (
        c.timelineDistinct === eventIds.length &&
        c.alerts.length >= criticalCaseIds.length &&
        c.notifications.length >= 2 * criticalCaseIds.length &&
        unsent === 0 &&
        unmailed === 0 &&
        c.notificationSentEvents >= c.notifications.length
      );
    },
    { timeoutMs, intervalMs: 1_000, what: 'the pipeline to settle' },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last seen: ${last}`);
  });
}

export async function tally(
  ctx: TallyContext,
  reports: AcceptedReport[],
  scenario: { name: string; faults: string; crashes: number; seconds: number },
): Promise<Tally> {
  const { eventIds, caseIds, criticalCaseIds } = scope(reports);
  const wanted = new Set(eventIds);
  const onTopic = (await readTopic(ctx.brokers, ctx.topic)).filter((id) => wanted.has(id));
  const c = await databaseCounts(ctx.databaseUrl, eventIds, caseIds, criticalCaseIds);
  const ours = new Set(c.notifications.map((n) => n.notification_id));
  const copies = new Map<string, number>();
  for (const mail of ctx.mails()) {
    const id = notificationIdOf(mail);
    if (id && ours.has(id)) copies.set(id, (copies.get(id) ?? 0) + 1);
  }
  const emails = [...copies.values()].reduce((a, b) => a + b, 0);
  const mailedAlerts = new Set(c.notifications.filter((n) => copies.has(n.notification_id)).map((n) => n.alert_id));
  const alertsPerCase = new Map<string, number>();
  for (const a of c.alerts) alertsPerCase.set(a.case_id, (alertsPerCase.get(a.case_id) ?? 0) + 1);
  return {
    scenario: scenario.name,
    faults: scenario.faults,
    crashes: scenario.crashes,
    reports: new Set(reports.map((r) => r.reportId)).size,
    attempts: reports.reduce((sum, r) => sum + r.attempts, 0),
    criticalReports: criticalCaseIds.length,
    events: eventIds.length,
    topicDistinct: new Set(onTopic).size,
    topicRecords: onTopic.length,
    readModelDistinct: c.timelineDistinct,
    readModelRows: c.timelineRows,
    applied: c.applied,
    caseTimelineRows: c.caseTimelineRows,
    alertsRaised: c.alerts.length,
    alertsInReadModel: c.alertsInReadModel,
    casesWithTwoAlerts: [...alertsPerCase.values()].filter((n) => n > 1).length,
    alertsOnRoutineCases: c.alerts.filter((a) => !criticalCaseIds.includes(a.case_id)).length,
    notifications: c.notifications.length,
    notificationsSent: c.notifications.filter((n) => n.status === 'sent').length,
    notificationSentEvents: c.notificationSentEvents,
    delivered: copies.size,
    emails,
    duplicates: emails - copies.size,
    maxCopies: Math.max(0, ...copies.values()),
    alertsWithoutEmail: c.alerts.filter((a) => !mailedAlerts.has(a.alert_id)).length,
    seconds: scenario.seconds,
  };
}

/** The table the suite prints and docs/faults.md shows. */
export function formatTable(rows: Tally[]): string {
  const columns: [string, (t: Tally) => string | number][] = [
    ['scenario', (t) => t.scenario],
    ['faults', (t) => t.faults],
    ['reports 202', (t) => t.reports],
    ['POSTs', (t) => t.attempts],
    ['events accepted', (t) => t.events],
    ['topic distinct / records', (t) => `${t.topicDistinct} / ${t.topicRecords}`],
    ['read model distinct / rows', (t) => `${t.readModelDistinct} / ${t.readModelRows}`],
    ['applied / case rows', (t) => `${t.applied} / ${t.caseTimelineRows}`],
    ['critical', (t) => t.criticalReports],
    ['alerts raised', (t) => t.alertsRaised],
    ['notifications', (t) => t.notifications],
    ['e-mails / distinct', (t) => `${t.emails} / ${t.delivered}`],
    ['duplicates (max copies)', (t) => `${t.duplicates} (${t.maxCopies})`],
    ['s', (t) => t.seconds],
  ];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(columns.map(([heading]) => heading)),
    line(columns.map(() => '---')),
    ...rows.map((row) => line(columns.map(([, cell]) => String(cell(row))))),
  ].join('\n');
}
