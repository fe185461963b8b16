// For integration specs only: the dispatcher in this process against real Postgres and Kafka,
// fed with case events as intake would publish them. The specs hand in what comes from
// @beacon/testing (the database, names, ports), which an app's own code may not import.
import { type RoutingConfig } from '@beacon/alerting-domain';
import {
  CASE_EVENTS_TOPIC,
  createEvent,
  encodeForKafka,
  EXAMPLES,
  type CaseEvent,
  type EventData,
  type EventName,
} from '@beacon/events';
import { createHttpApp } from '@beacon/http';
import { createKafka, ensureTopics, EventProducer, topicName, type Kafka } from '@beacon/kafka';
import { runMigrations } from '@beacon/persistence';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { parse, stringify } from 'yaml';
import { AppModule } from '../app.module';
import { loadDispatcherConfig, type DispatcherConfig } from '../dispatcher.config';
import { alertingMigrations } from '../migrations';

const root = path.resolve(__dirname, '../../../..');
export const FIXTURE_ROUTING = path.join(
  root,
  'services/alert-dispatcher/fixtures/routing.short-sla.yaml',
);

/** The short-SLA fixture, changed by `edit` and written to a file of its own. */
export function routingFile(edit: (config: RoutingConfig) => void = () => undefined): string {
  const config = parse(readFileSync(FIXTURE_ROUTING, 'utf8')) as RoutingConfig;
  edit(config);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'beacon-routing-')), 'routing.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

// The SMSC stand-in: a real SMPP 3.4 server from tools/infra (CommonJS, shared with e2e and bench).
export interface SmsMessage {
  to: string;
  from: string;
  text: string;
  encoding: 'GSM7' | 'UCS2' | 'other';
  parts: number;
  partOctets: number[];
  concatenation: 'none' | 'udh' | 'sar';
  messageIds: string[];
  receivedAt: number;
}
export interface SmppSimulator {
  port: number;
  url: string;
  messages: SmsMessage[];
  waitForMessage(predicate: (m: SmsMessage) => boolean, timeoutMs?: number): Promise<SmsMessage>;
  reply(mo: { from: string; text: string }): Promise<void>;
  refuseSubmits(refuse: boolean): void;
  boundSessions(): number;
  waitForBind(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}
const simulatorModule = createRequire(__filename)(
  path.join(root, 'tools/infra/smpp-simulator.cjs'),
) as {
  startSmppSimulator: (options?: {
    port?: number;
    systemId?: string;
    password?: string;
    receipts?: boolean;
  }) => Promise<SmppSimulator>;
};
export const startSmppSimulator = simulatorModule.startSmppSimulator;

export interface Harness {
  app: NestFastifyApplication;
  baseUrl: string;
  config: DispatcherConfig;
  db: Pool;
  topic: string;
  publish(events: CaseEvent[]): Promise<void>;
  stop(): Promise<void>;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export interface SharedInfrastructure {
  database: TestDatabase;
  brokers: string;
  kafka: Kafka;
  producer: EventProducer;
  topicPrefix: string;
  close(): Promise<void>;
}

/** One database and topic per spec file; dispatchers come and go on top of them. */
export async function sharedInfrastructure(
  database: TestDatabase,
  brokers: string,
  topicPrefix: string,
): Promise<SharedInfrastructure> {
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'alerting-int', topicPrefix });
  await ensureTopics(kafka, [
    { topic: topicName({ topicPrefix }, CASE_EVENTS_TOPIC), numPartitions: 2 },
  ]);
  const producer = new EventProducer(kafka);
  return {
    database,
    brokers,
    kafka,
    producer,
    topicPrefix,
    close: async () => {
      await producer.disconnect().catch(() => undefined);
      await database.drop();
    },
  };
}

export async function startDispatcher(
  infra: SharedInfrastructure,
  listenOn: number,
  env: Record<string, string>,
): Promise<Harness> {
  const config = loadDispatcherConfig({
    DATABASE_URL: infra.database.url,
    KAFKA_BROKERS: infra.brokers,
    KAFKA_TOPIC_PREFIX: infra.topicPrefix,
    ROUTING_CONFIG_PATH: FIXTURE_ROUTING,
    PUBLIC_DISPATCHER_URL: `http://127.0.0.1:${listenOn}`,
    PUBLIC_CONSOLE_URL: 'https://console.beacon.example',
    DELIVERY_RETRY_BASE_MS: '300',
    TIMERS_POLL_MS: '100',
    DELIVERY_POLL_MS: '50',
    PORT: String(listenOn),
    ...env,
  });
  await runMigrations(config.DATABASE_URL, 'alerting', alertingMigrations);
  const app = await createHttpApp(AppModule.forConfig(config));
  await app.listen({ port: listenOn, host: '127.0.0.1' });
  const db = new Pool({ connectionString: config.DATABASE_URL, max: 3 });
  // The spec's database is dropped WITH (FORCE) at the end; an idle client cut off then is no failure.
  db.on('error', () => undefined);
  const topic = topicName({ topicPrefix: infra.topicPrefix }, CASE_EVENTS_TOPIC);
  return {
    app,
    baseUrl: `http://127.0.0.1:${listenOn}`,
    config,
    db,
    topic,
    publish: (events) =>
      infra.producer.send(
        topic,
        events.map((e) => encodeForKafka(e)),
      ),
    stop: async () => {
      await app.close();
      await db.end();
    },
  };
}

/** Events of one case as a hotline reports them, dated now, in the region given. */
export function aCase(region: string, incidentId: string = randomUUID()) {
  const caseId = randomUUID();
  const event = <N extends EventName>(
    name: N,
    data: (example: EventData<N>) => EventData<N> = (d) => d,
    occurredAt?: Date,
  ): CaseEvent => {
    const example = EXAMPLES[name].data as EventData<N> & {
      context?: Record<string, unknown>;
      place?: Record<string, unknown>;
    };
    const withRegion = {
      ...example,
      ...(example.context
        ? { context: { ...example.context, region, reportedAt: new Date().toISOString() } }
        : {}),
      ...(example.place ? { place: { ...example.place, region } } : {}),
    } as EventData<N>;
    const now = new Date();
    return createEvent(name, {
      id: randomUUID(),
      caseId,
      time: now,
      occurredAt: occurredAt ?? new Date(now.getTime() - 60_000),
      source: '/beacon/intake-api',
      incidentId,
      data: data(withRegion),
    });
  };
  return {
    caseId,
    incidentId,
    /** Taken, whereabouts unknown: critical. */
    detained: () => event('detention-reported'),
    released: () => event('released'),
    removed: () => event('removed'),
    closed: () => event('case-closed'),
    /** Any fact about the case, its example's data changed by `data`, as it happened at `occurredAt`. */
    fact: event,
  };
}

/** Rows of a query, once the predicate holds for them. */
export async function eventually<T extends object>(
  db: Pool,
  sql: string,
  params: unknown[],
  predicate: (rows: T[]) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<T>(sql, params);
    if (predicate(rows)) return rows;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(rows).slice(0, 500)}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Lifecycle events the dispatcher wrote for a case, by name, from its outbox. */
export async function lifecycleEvents(
  db: Pool,
  caseId: string,
): Promise<{ name: string; data: Record<string, unknown> }[]> {
  const { rows } = await db.query<{ value: string; headers: Record<string, string> }>(
    `SELECT value, headers FROM alerting.outbox WHERE stream_key = $1 ORDER BY position`,
    [caseId],
  );
  return rows.map((r) => ({
    name: /^org\.beacon\.(.+)\.v\d+$/.exec(r.headers.ce_type ?? '')?.[1] ?? '?',
    data: JSON.parse(r.value) as Record<string, unknown>,
  }));
}

export interface KannelProcess {
  sendsmsUrl: string;
  stop(): Promise<void>;
}

/**
 * Real Kannel (bearerbox and smsbox) bound to the SMSC stand-in, started by tools/infra/kannel.mjs
 * in a process of its own (it installs the Debian package first when it is missing).
 */
export function startKannel(options: {
  smscPort: number;
  inboundUrl: string;
}): Promise<KannelProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        path.join(root, 'tools/infra/kannel.mjs'),
        'serve',
        '--smsc-port',
        String(options.smscPort),
        '--inbound-url',
        options.inboundUrl,
      ],
      { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    };
    child.stderr.on(
      'data',
      (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8_000)),
    );
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line)
        resolve({ sendsmsUrl: (JSON.parse(line) as { sendsmsUrl: string }).sendsmsUrl, stop });
    });
    void exited.then(() => reject(new Error(`Kannel did not start:\n${stderr}`)));
  });
}
