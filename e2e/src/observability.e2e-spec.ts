import { CASE_EVENTS_TOPIC } from '@beacon/events';
import { METRICS } from '@beacon/observability';
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
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { consoleSecrets } from './security-accounts';
import { SEED_PERSONS, seedReport } from './seed-scenario';

interface Accepted {
  incidentId: string;
  cases: { caseId: string; eventIds: string[] }[];
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

const routingFile = path.resolve(__dirname, '../../deploy/routing/routing.yaml');
const rulesFile = path.resolve(__dirname, '../../deploy/prometheus/rules/beacon.rules.yml');

/** The JSON lines a service wrote, parsed; anything else it printed is ignored. */
function jsonLines(service: ServiceProcess): Record<string, unknown>[] {
  return service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

describe('observability: metrics scraped by a real Prometheus, one trace from the report to the page', () => {
  const hotlineKey = `bk_dev_${randomBytes(32).toString('base64url')}`;
  const metricsToken = randomBytes(32).toString('base64url');
  const traceId = randomBytes(16).toString('hex');
  const callerSpan = randomBytes(8).toString('hex');
  let db: TestDatabase;
  let smtp: SmtpCapture;
  let prefix: string;
  let brokers: string[];
  const services: ServiceProcess[] = [];
  let intake: ServiceProcess;
  let projector: ServiceProcess;
  let dispatcher: ServiceProcess;
  let console_: ServiceProcess;
  let prometheus: ChildProcess | null = null;
  let prometheusLog = '';
  let prometheusUrl = '';
  let workDir = '';
  let accepted: Accepted;

  beforeAll(async () => {
    brokers = requireInfrastructure('KAFKA_BROKERS').split(',');
    db = await createTestDatabase('beacon_obs');
    smtp = await startSmtpCapture();
    prefix = `${uniqueName('obs')}.`;
    const vaultKeys = `mk1:${randomBytes(32).toString('base64')}`;
    const shared = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'info',
      METRICS_TOKEN: metricsToken,
    };
    const [intakePort, projectorPort, dispatcherPort, consolePort, promPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    // Groups of their own: other runs on the same broker must not take this run's partitions.
    intake = await startService(
      'intake-api',
      { ...shared, CASE_STATUS_CONSUMER_GROUP: uniqueName('obs-status'), PERSON_HMAC_KEY: randomBytes(32).toString('base64'), VAULT_MASTER_KEYS: vaultKeys, DEV_API_KEY: hotlineKey },
      intakePort,
    );
    services.push(intake);
    projector = await startService('case-projector', { ...shared, CONSUMER_GROUP: uniqueName('obs-projector') }, projectorPort);
    services.push(projector);
    dispatcher = await startService(
      'alert-dispatcher',
      {
        ...shared,
        CONSUMER_GROUP: uniqueName('obs-dispatcher'),
        SMTP_URL: smtp.url,
        ROUTING_CONFIG_PATH: routingFile,
        PUBLIC_CONSOLE_URL: `http://127.0.0.1:${consolePort}`,
        PUBLIC_DISPATCHER_URL: `http://127.0.0.1:${dispatcherPort}`,
        ACK_LINK_SECRET: randomBytes(32).toString('base64url'),
      },
      dispatcherPort,
    );
    services.push(dispatcher);
    console_ = await startService(
      'ops-console',
      { DATABASE_URL: db.url, VAULT_MASTER_KEYS: vaultKeys, LOG_LEVEL: 'info', METRICS_TOKEN: metricsToken, ...consoleSecrets() },
      consolePort,
    );
    services.push(console_);

    // The shipped rules, and a scrape configuration like deploy/prometheus/prometheus.yml's with
    // local targets, a two-second interval and the bearer token from a file.
    workDir = mkdtempSync(path.join(tmpdir(), 'beacon-prometheus-'));
    writeFileSync(path.join(workDir, 'token'), metricsToken, { mode: 0o600 });
    const target = (port: number, service: string) => `      - targets: ['127.0.0.1:${port}']\n        labels: { service: ${service} }`;
    writeFileSync(
      path.join(workDir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 2s }',
        `rule_files: ['${rulesFile}']`,
        'scrape_configs:',
        '  - job_name: beacon',
        '    metrics_path: /metrics',
        `    authorization: { type: Bearer, credentials_file: ${path.join(workDir, 'token')} }`,
        '    static_configs:',
        target(intakePort, 'intake-api'),
        target(projectorPort, 'case-projector'),
        target(dispatcherPort, 'alert-dispatcher'),
        target(consolePort, 'ops-console'),
        '',
      ].join('\n'),
    );
    prometheusUrl = `http://127.0.0.1:${promPort}`;
    const child = spawn(
      'prometheus',
      [
        `--config.file=${path.join(workDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(workDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus = child;
    child.stdout?.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString('utf8')));
    child.once('error', (error) => (prometheusLog += `\n${error.message}`));
    await waitFor(
      async () => {
        if (child.exitCode !== null || /ENOENT/.test(prometheusLog)) {
          throw new Error(`prometheus did not start (\`npm test\` installs Debian's prometheus package):\n${prometheusLog}`);
        }
        return (await fetch(`${prometheusUrl}/-/ready`).catch(() => null))?.ok ?? false;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'Prometheus to be ready' },
    );

    const response = await fetch(`${intake.baseUrl}/v1/reports`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${hotlineKey}`,
        'content-type': 'application/json',
        'idempotency-key': `obs-${randomBytes(8).toString('hex')}`,
        traceparent: `00-${traceId}-${callerSpan}-01`,
      },
      body: JSON.stringify(seedReport(new Date(Date.now() - 40 * 60_000).toISOString())),
    });
    expect(response.status).toBe(202);
    accepted = (await response.json()) as Accepted;
    // A refused report, for the rejection counter.
    const refused = await fetch(`${intake.baseUrl}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hotlineKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ region: 'almaty' }),
    });
    expect(refused.status).toBe(400);
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await Promise.all(services.map((s) => s.stop()));
    await smtp?.stop();
    await db?.drop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const query = async (expr: string): Promise<Sample[]> => {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; data?: { result: Sample[] }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error ?? response.status}`);
    return body.data?.result ?? [];
  };
  const value = (samples: Sample[]) => (samples[0] ? Number(samples[0].value[1]) : Number.NaN);
  /** Waits until Prometheus' answer to `expr` passes `ok` (scrapes come every two seconds). */
  const eventually = (expr: string, ok: (samples: Sample[]) => boolean, timeoutMs = 30_000) =>
    waitFor(
      async () => {
        const samples = await query(expr);
        return ok(samples) ? samples : null;
      },
      { timeoutMs, intervalMs: 500, what: `Prometheus: ${expr}` },
    );

  it('refuses /metrics without the token, and serves it with one', async () => {
    for (const service of services) {
      const open = await fetch(`${service.baseUrl}/metrics`);
      expect({ service: service.name, status: open.status }).toEqual({ service: service.name, status: 401 });
      expect(open.headers.get('content-type')).toContain('application/problem+json');
      const scraped = await fetch(`${service.baseUrl}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain(`service="${service.name}"`);
    }
  });

  it('answers liveness and readiness with the state of Postgres and Kafka', async () => {
    for (const service of [intake, projector, dispatcher]) {
      const ready = (await (await fetch(`${service.baseUrl}/health/ready`)).json()) as Record<string, unknown>;
      expect(ready).toMatchObject({ status: 'ok', details: { postgres: { status: 'up' }, kafka: { status: 'up' } }, degraded: [] });
    }
    const consoleReady = (await (await fetch(`${console_.baseUrl}/health/ready`)).json()) as Record<string, unknown>;
    expect(consoleReady).toMatchObject({ status: 'ok', details: { postgres: { status: 'up' } } });
    for (const service of services) expect((await fetch(`${service.baseUrl}/health/live`)).status).toBe(200);
  });

  it('has Prometheus scrape all four services and see the report through the pipeline', async () => {
    const eventCount = accepted.cases.reduce((n, c) => n + c.eventIds.length, 0);
    await smtp.waitForMail(() => true, 15_000);

    const up = await eventually('up{job="beacon"}', (s) => s.length === 4 && s.every((x) => x.value[1] === '1'));
    expect(up.map((s) => s.metric.service).sort()).toEqual(['alert-dispatcher', 'case-projector', 'intake-api', 'ops-console']);

    expect(value(await eventually(`sum(${METRICS.reportsAccepted})`, (s) => value(s) >= 1))).toBe(1);
    expect(value(await eventually(`sum(${METRICS.reportsRejected}{reason="validation"})`, (s) => value(s) >= 1))).toBe(1);
    // The relay published every event of the report, the projector applied them all.
    await eventually(`sum(${METRICS.eventsPublished}{service="intake-api"})`, (s) => value(s) >= eventCount);
    await eventually(`sum(${METRICS.eventsApplied}{service="case-projector"})`, (s) => value(s) >= eventCount);
    await eventually(`${METRICS.outboxBacklog}{service="intake-api"}`, (s) => value(s) === 0);
    expect(value(await query(`${METRICS.outboxOldestAge}{service="intake-api"}`))).toBe(0);
    // Lag per partition for both consumers, back to zero once they have caught up.
    for (const service of ['case-projector', 'alert-dispatcher']) {
      const lag = await eventually(`${METRICS.consumerLag}{service="${service}"}`, (s) => s.length === 3 && s.every((x) => x.value[1] === '0'));
      expect(lag.map((s) => s.metric.partition).sort()).toEqual(['0', '1', '2']);
    }
    expect(value(await query(`count(${METRICS.batchDuration}_count{service="case-projector"} > 0)`))).toBe(1);

    // Five critical cases of one incident: five alerts, and the officer paged once by e-mail.
    expect(value(await eventually(`sum(${METRICS.alertsRaised}{urgency="critical"})`, (s) => value(s) >= 5))).toBe(5);
    await eventually(`sum(${METRICS.deliveries}{channel="email",outcome="sent"})`, (s) => value(s) >= 1);
    const notified = await eventually(`sum(${METRICS.timeToNotify}_count)`, (s) => value(s) >= 1);
    expect(value(notified)).toBeGreaterThanOrEqual(1);
    // From the report being recorded to the page: under the five seconds the skeleton promises.
    const mean = value(await query(`sum(${METRICS.timeToNotify}_sum) / sum(${METRICS.timeToNotify}_count)`));
    expect(mean).toBeGreaterThan(0);
    expect(mean).toBeLessThan(5);
    expect(value(await query(`sum(${METRICS.alertsPastSla})`))).toBe(0);
    // The review of what the clock changes keeps up, and has no contact to call lost yet.
    expect(value(await query(`${METRICS.caseReviewsOverdue}{service="alert-dispatcher"}`))).toBe(0);

    // The officer takes the alert with the link in the e-mail: time to acknowledge is recorded.
    const linkIn = (html: unknown) =>
      /href="(http:\/\/127\.0\.0\.1:\d+\/v1\/ack\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)"/.exec(typeof html === 'string' ? html : '')?.[1];
    const link = smtp.messages.map((m) => linkIn(m.parsed.html)).find(Boolean);
    if (!link) throw new Error(`no acknowledgement link in ${smtp.messages.length} e-mail(s): ${smtp.messages.map((m) => String(m.parsed.html).slice(0, 600)).join('\n---\n')}`);
    expect((await fetch(link, { method: 'POST', headers: { accept: 'application/json' } })).status).toBe(200);
    const acked = await eventually(`sum by (urgency) (${METRICS.timeToAcknowledge}_count)`, (s) => s.length > 0);
    expect(acked[0]?.metric.urgency).toBe('critical');
    expect(value(acked)).toBe(5);

    // Every series the dashboards and rules may use is exposed by some service.
    const exposed = new Set((await query('count by (__name__) ({__name__=~"beacon_.+"})')).map((s) => s.metric.__name__));
    for (const name of Object.values(METRICS)) {
      expect({ name, exposed: exposed.has(name) || exposed.has(`${name}_count`) }).toEqual({ name, exposed: true });
    }

    // The shipped rules load and evaluate, and none fires for this healthy stack.
    const rules = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as {
      data: { groups: { name: string; rules: { name: string; health: string; state?: string }[] }[] };
    };
    const all = rules.data.groups.flatMap((g) => g.rules);
    expect(all.length).toBe(9);
    await waitFor(
      async () => {
        const again = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as typeof rules;
        return again.data.groups.flatMap((g) => g.rules).every((r) => r.health === 'ok');
      },
      { timeoutMs: 10_000, what: 'every rule evaluated' },
    );
    const firing = (await query('ALERTS{alertstate="firing"}')).map((s) => s.metric.alertname);
    expect(firing).toEqual([]);
  });

  it('follows the report’s trace from the POST through the outbox, Kafka, the projector and the dispatcher to the e-mail', async () => {
    const eventIds = new Set(accepted.cases.flatMap((c) => c.eventIds));
    const caseIds = new Set(accepted.cases.map((c) => c.caseId));
    await smtp.waitForMail(() => true, 15_000);

    // Kafka: every event of the report, and the dispatcher's alert and notification events about
    // its cases, carry the caller's trace id in both the CloudEvents attribute and the W3C header.
    const kafka = new Kafka({ clientId: 'obs-e2e', brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: uniqueName('obs-reader') });
    const seen = new Map<string, { type: string; subject: string; traceparent: string; ceTraceparent: string }>();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: `${prefix}${CASE_EVENTS_TOPIC}`, fromBeginning: true });
      const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : typeof v === 'string' ? v : '');
      await consumer.run({
        eachMessage: async ({ message }) => {
          const h = message.headers ?? {};
          seen.set(text(h.ce_id), {
            type: text(h.ce_type),
            subject: text(h.ce_subject),
            traceparent: text(h.traceparent),
            ceTraceparent: text(h.ce_traceparent),
          });
          await Promise.resolve();
        },
      });
      await waitFor(
        async () => {
          await Promise.resolve();
          const types = [...seen.values()].filter((r) => caseIds.has(r.subject)).map((r) => r.type);
          return [...eventIds].every((id) => seen.has(id)) &&
            types.some((t) => t.includes('.alert-raised.')) &&
            types.some((t) => t.includes('.notification-sent.'));
        },
        { timeoutMs: 20_000, what: 'the report’s events, the alert and the notification on Kafka' },
      );
    } finally {
      await consumer.disconnect();
    }
    const traceOf = (tp: string) => tp.split('-')[1];
    for (const id of eventIds) {
      const record = seen.get(id)!;
      expect({ id, ce: traceOf(record.ceTraceparent), w3c: traceOf(record.traceparent) }).toEqual({ id, ce: traceId, w3c: traceId });
      // The relay's send is a span of its own under the request's.
      expect(record.traceparent).not.toBe(record.ceTraceparent);
    }
    const lifecycle = [...seen.values()].filter((r) => caseIds.has(r.subject) && /\.(alert-raised|notification-sent)\./.test(r.type));
    for (const record of lifecycle) expect({ type: record.type, trace: traceOf(record.ceTraceparent) }).toEqual({ type: record.type, trace: traceId });

    // Logs: JSON lines carrying the trace id in every service the report went through.
    const traced = (service: ServiceProcess) => jsonLines(service).filter((line) => line.trace_id === traceId);
    await waitFor(async () => Promise.resolve(traced(dispatcher).some((l) => /sent via email/.test(String(l.msg)))), {
      timeoutMs: 10_000,
      what: 'the dispatcher’s log line for the e-mail',
    });
    const intakeLines = traced(intake);
    expect(intakeLines.some((l) => (l.req as { path?: string } | undefined)?.path === '/v1/reports' && (l.res as { status?: number } | undefined)?.status === 202)).toBe(true);
    const published = new Set(intakeLines.filter((l) => /published/.test(String(l.msg))).map((l) => l.event_id));
    expect([...eventIds].filter((id) => !published.has(id))).toEqual([]);
    const projected = new Set(traced(projector).filter((l) => /projected/.test(String(l.msg))).map((l) => l.event_id));
    expect([...eventIds].filter((id) => !projected.has(id))).toEqual([]);
    const dispatcherLines = traced(dispatcher);
    expect(dispatcherLines.some((l) => /alert .* raised/.test(String(l.msg)) && eventIds.has(String(l.event_id)))).toBe(true);
    expect(dispatcherLines.some((l) => /notification .* sent via email/.test(String(l.msg)))).toBe(true);
    for (const line of [...intakeLines, ...traced(projector), ...dispatcherLines]) {
      expect(line).toMatchObject({ level: expect.any(String), time: expect.any(String), service: expect.any(String), span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    }

    // No personal data in any line of any service, the hotline key and the metrics token neither.
    const everything = services.map((s) => s.output()).join('\n');
    for (const person of SEED_PERSONS) {
      for (const secret of [person.name, ...person.name.split(' '), person.registrationNumber, person.phone, person.dateOfBirth]) {
        expect(everything).not.toContain(secret);
      }
    }
    expect(everything).not.toContain(hotlineKey);
    expect(everything).not.toContain(metricsToken);
  });

  it('starts a trace for a request that brings none, and tells the caller its id', async () => {
    const response = await fetch(`${intake.baseUrl}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hotlineKey}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    const traceresponse = response.headers.get('traceresponse') ?? '';
    expect(traceresponse).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(traceresponse.split('-')[1]).not.toBe(traceId);
  });
});
