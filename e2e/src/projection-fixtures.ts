import { syntheticCaseEvents } from '@beacon/case-domain';
import { type CaseEvent, encodeForKafka } from '@beacon/events';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { Client } from 'pg';

/** Shared by the projection end-to-end suites: Kafka, Postgres and the admin CLI as a user would drive them. */

const root = path.resolve(__dirname, '../..');

export function kafkaClient(brokers: string): Kafka {
  return new Kafka({ clientId: 'projection-e2e', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

export async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

export async function createTopics(kafka: Kafka, topics: { topic: string; numPartitions: number }[]): Promise<void> {
  await withAdmin(kafka, (admin) => admin.createTopics({ topics, waitForLeaders: true }));
}

export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  await withAdmin(kafka, (admin) => admin.deleteTopics({ topics })).catch(() => undefined);
}

/** Produces as the intake relay does: CloudEvents binary mode, keyed by case id, in batches. */
export async function produce(kafka: Kafka, topic: string, records: { key: string; value: string; headers: Record<string, string> }[]): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 500) {
      await producer.send({ topic, acks: -1, messages: records.slice(i, i + 500) });
    }
  } finally {
    await producer.disconnect();
  }
}

export const produceEvents = (kafka: Kafka, topic: string, events: readonly CaseEvent[]) => produce(kafka, topic, events.map(encodeForKafka));

/** Histories long enough ago that no urgency rule still depends on the clock, so two projections agree exactly. */
export function pastCaseEvents(cases: number, seed: number, maxEvents?: number): CaseEvent[] {
  return [
    ...syntheticCaseEvents({
      cases,
      seed,
      start: new Date(Date.now() - 120 * 86_400_000),
      spanDays: 20,
      ...(maxEvents === undefined ? {} : { maxEvents }),
    }),
  ];
}

export async function endOffset(kafka: Kafka, topic: string): Promise<number> {
  const offsets = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
  return offsets.reduce((sum, o) => sum + Number(o.high), 0);
}

export async function query<T extends object>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * How far a read-model version has read the topic: the sum of its next offsets. `consumer` is the
 * group's name and version as set, or as defaulted (the topic prefix goes in front of a default).
 */
export async function appliedOffsets(url: string, consumer = 'case-projector@v1'): Promise<number> {
  const sql = `SELECT sum(next_offset) AS n FROM projection.kafka_checkpoints WHERE consumer = $1 OR consumer LIKE '%.' || $1`;
  const rows = await query<{ n: string | null }>(url, sql, [consumer]).catch(() => [
    { n: null },
  ]);
  return Number(rows[0]?.n ?? 0);
}

/** Everything a version of the read models says, without when rows were written. */
export async function snapshot(url: string, version?: number) {
  const t = (name: string) => (version === undefined ? `projection.${name}` : `projection.${name}_v${version}`);
  const cases = await query(
    url,
    `SELECT case_id, incident_id, person_ref, region, custody, location_status, access, removal_risk, closed, urgency,
            urgency_reasons, state, opened_at, last_occurred_at, last_recorded_at, urgency_review_at, event_count
     FROM ${t('cases')} ORDER BY case_id`,
  );
  const timeline = await query(
    url,
    `SELECT event_id, case_id, event_type, event_name, occurred_at, recorded_at, summary, partition, "offset"
     FROM ${t('case_timeline')} ORDER BY event_id`,
  );
  const alerts = await query<Record<string, unknown>>(url, `SELECT * FROM ${t('alerts')} ORDER BY alert_id`);
  const counts = await query(
    url,
    `SELECT region, urgency, custody, closed, sum(cases)::int AS cases FROM ${t('case_count_parts')}
     GROUP BY 1, 2, 3, 4 HAVING sum(cases) <> 0 ORDER BY 1, 2, 3, 4`,
  );
  return { cases, timeline, alerts: alerts.map(({ updated_at: _, ...rest }) => rest), counts };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `beacon <args>` (bin/beacon.mjs) with the given environment, as an operator would. */
export function beacon(args: string[], env: Record<string, string>, timeoutMs = 180_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'beacon.mjs'), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`beacon ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The environment the projector service and its CLI read. */
export function projectorEnv(databaseUrl: string, brokers: string, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return { DATABASE_URL: databaseUrl, KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'info', URGENCY_REVIEW_INTERVAL_MS: '0', ...extra };
}
