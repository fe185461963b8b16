#!/usr/bin/env node
// npm run bench:intake [-- --json] [-- --seconds 30 --connections 50]
// Sustained accepted reports per second and latency of POST /v1/reports at 50 connections,
// beside a bare Fastify route doing one INSERT into the same PostgreSQL, measured in the same run.
// Needs a build (node tools/build.mjs); starts Kafka and PostgreSQL as the tests do.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  createDatabase,
  databaseUrl,
  dropDatabase,
  resolveInfrastructure,
} from '../../tools/infra/index.mjs';
import pg from 'pg';
import { processCpuSeconds } from '../lib/proc.mjs';
import { load } from './load.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : fallback;
};
const asJson = args.includes('--json');
const SECONDS = option('seconds', 30);
const CONNECTIONS = option('connections', 50);
const WARMUP_SECONDS = option('warmup', 5);
const TARGETS = { reportsPerSecond: 2000, p99Ms: 50, ratio: 0.6 };
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

const entry = path.join(root, 'dist/services/intake-api/src/main.js');
if (!existsSync(entry)) {
  log(`${entry} is missing: run node tools/build.mjs first`);
  process.exit(69);
}

/** One hotline report about one person, as the desk form sends it; every one a new person. */
const template = JSON.stringify({
  occurredAt: '2009-03-12T00:00:00+06:00',
  timeBand: 'night',
  region: 'almaty',
  source: { role: 'family', reliability: 'credible', channel: 'call', language: 'ru' },
  recordedBy: 'operator-17',
  persons: [
    {
      name: 'Fictional Person',
      registrationNumber: 'REGNO',
      unhcrStatus: 'refugee',
      countryOfOrigin: 'UZ',
      sex: 'male',
      ageBand: '18-59',
    },
  ],
  facts: [
    {
      type: 'detention-reported',
      place: { region: 'almaty', district: 'bostandyk' },
      authority: 'police',
      manner: 'home-raid',
      statedReason: 'none-given',
      witnesses: 2,
      notes: 'Taken at night from his flat',
    },
    {
      type: 'access-status-updated',
      family: 'denied',
      lawyer: 'denied',
      unhcr: 'denied',
      ngo: 'unknown',
    },
  ],
});
const run = randomBytes(3).toString('hex');
const body = (i) => template.replace('REGNO', `B${run}-${i}`);

function startProcess(command, argv, env) {
  const child = spawn(command, argv, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (c) => (output = (output + c.toString()).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function until(probe, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Where the CPU of the measured window went: the server process, the PostgreSQL backends of the
 * bench database (sampled, since pools keep their connections), and this process (the load).
 */
function cpuMeter(serverPid) {
  const admin = new pg.Client({ connectionString: url });
  const backends = new Map();
  let timer;
  const sample = async () => {
    const { rows } = await admin.query(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    for (const { pid } of rows) {
      const now = processCpuSeconds(pid);
      if (now === null) continue;
      const seen = backends.get(pid);
      backends.set(pid, { first: seen?.first ?? now, last: now });
    }
  };
  let server0 = 0;
  let self0;
  return {
    async start() {
      await admin.connect();
      await sample();
      server0 = processCpuSeconds(serverPid) ?? 0;
      self0 = process.cpuUsage();
      timer = setInterval(() => void sample().catch(() => undefined), 250);
    },
    async stop(count) {
      clearInterval(timer);
      await sample().catch(() => undefined);
      await admin.end();
      const self = process.cpuUsage(self0);
      const postgres = [...backends.values()].reduce((sum, b) => sum + (b.last - b.first), 0);
      const per = (seconds) => Math.round((seconds / Math.max(1, count)) * 1e6);
      return {
        server: per((processCpuSeconds(serverPid) ?? server0) - server0),
        postgres: per(postgres),
        load: per((self.user + self.system) / 1e6),
      };
    },
  };
}

async function measure(label, opts, serverPid) {
  log(`${label}: warm-up ${WARMUP_SECONDS} s`);
  await load({ ...opts, seconds: WARMUP_SECONDS });
  log(`${label}: ${CONNECTIONS} connections for ${SECONDS} s`);
  const meter = cpuMeter(serverPid);
  await meter.start();
  const result = await load({ ...opts, seconds: SECONDS });
  result.cpuMicros = await meter.stop(result.ok);
  if (result.failed > 0)
    log(`${label}: ${result.failed} failed requests, e.g. ${result.firstFailures.join(' | ')}`);
  return result;
}

const infra = await resolveInfrastructure({ log });
const dbName = `beacon_bench_${run}`;
await createDatabase(infra.env.DATABASE_URL, dbName);
const url = databaseUrl(infra.env.DATABASE_URL, dbName);
let intake;
let baseline;
try {
  // The baseline first: the same database, a bare route, one INSERT per request.
  const baselinePort = await freePort();
  baseline = startProcess(process.execPath, [path.join(root, 'bench/intake/baseline-server.mjs')], {
    DATABASE_URL: url,
    PORT: String(baselinePort),
    DATABASE_POOL_SIZE: '20',
  });
  await until(
    async () =>
      (
        await fetch(`http://127.0.0.1:${baselinePort}/baseline`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status === 202,
    'the baseline server',
  );
  const base = await measure(
    'baseline',
    {
      url: `http://127.0.0.1:${baselinePort}/baseline`,
      connections: CONNECTIONS,
      headers: () => ({}),
      body,
      expectStatus: 202,
    },
    baseline.child.pid,
  );
  await baseline.stop();
  baseline = null;

  const apiKey = `bk_bench_${randomBytes(24).toString('base64url')}`;
  const intakePort = await freePort();
  // BENCH_PROFILE=<dir> writes a CPU profile of intake-api there (open it in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  intake = startProcess(process.execPath, [...profile, entry], {
    DATABASE_URL: url,
    DATABASE_POOL_SIZE: '20',
    KAFKA_BROKERS: infra.env.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: `bench_${run}.`,
    PERSON_HMAC_KEY: randomBytes(32).toString('base64'),
    VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`,
    DEV_API_KEY: apiKey,
    RATE_LIMIT_PER_SECOND: '1000000',
    RATE_LIMIT_BURST: '10000000',
    LOG_LEVEL: 'warn',
    PORT: String(intakePort),
  });
  const intakeUrl = `http://127.0.0.1:${intakePort}`;
  const ready = async () => (await (await fetch(`${intakeUrl}/health/ready`)).json()).outbox;
  await until(
    async () => (await fetch(`${intakeUrl}/health/ready`)).ok,
    'intake-api',
    90_000,
  ).catch((error) => {
    throw new Error(`${error.message}\n${intake.output()}`);
  });
  // The relay must reach Kafka before the run: the first published report proves it.
  const first = await fetch(`${intakeUrl}/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: body(-1),
  });
  const { reportId } = await first.json();
  await until(
    async () =>
      (
        await (
          await fetch(`${intakeUrl}/v1/reports/${reportId}`, {
            headers: { authorization: `Bearer ${apiKey}` },
          })
        ).json()
      ).status === 'published',
    'the relay to publish',
  );

  const result = await measure(
    'intake',
    {
      url: `${intakeUrl}/v1/reports`,
      connections: CONNECTIONS,
      headers: () => ({ authorization: `Bearer ${apiKey}`, 'idempotency-key': randomUUID() }),
      body,
      expectStatus: 202,
    },
    intake.child.pid,
  );
  const stoppedAt = Date.now();
  const backlogAtStop = (await ready()).count;
  await until(async () => (await ready()).count === 0, 'the outbox to drain', 300_000);
  const drainSeconds = (Date.now() - stoppedAt) / 1000;

  const ratio = result.perSecond / base.perSecond;
  const summary = {
    reportsPerSecond: round(result.perSecond),
    p50Ms: round(result.p50Ms),
    p99Ms: round(result.p99Ms),
    baselinePerSecond: round(base.perSecond),
    baselineP50Ms: round(base.p50Ms),
    baselineP99Ms: round(base.p99Ms),
    ratio: round(ratio, 3),
    errors: result.failed,
    baselineErrors: base.failed,
    connections: CONNECTIONS,
    seconds: SECONDS,
    backlogAtStop,
    drainSeconds: round(drainSeconds),
    // CPU time per accepted request, in microseconds, during the measured window.
    cpuMicrosPerReport: result.cpuMicros,
    baselineCpuMicrosPerRequest: base.cpuMicros,
    targets: {
      reportsPerSecond: {
        target: TARGETS.reportsPerSecond,
        met: result.perSecond >= TARGETS.reportsPerSecond,
      },
      p99Ms: { target: TARGETS.p99Ms, met: result.p99Ms <= TARGETS.p99Ms },
      ratio: { target: TARGETS.ratio, met: ratio >= TARGETS.ratio },
    },
  };
  if (asJson) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    const row = (name, r) =>
      `${name.padEnd(34)}${fmt(r.perSecond, 12)}${fmt(r.p50Ms, 10)}${fmt(r.p99Ms, 10)}${String(r.failed).padStart(8)}`;
    const met = (ok) => (ok ? 'met' : 'MISSED');
    process.stdout.write(
      [
        `intake benchmark: ${CONNECTIONS} connections, ${SECONDS} s each, same machine, same run`,
        `${''.padEnd(34)}${'req/s'.padStart(12)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'errors'.padStart(8)}`,
        row('intake POST /v1/reports (202)', result),
        row('baseline: Fastify + one INSERT', base),
        `${'ratio intake / baseline'.padEnd(34)}${fmt(ratio, 12, 3)}`,
        `targets: >= ${TARGETS.reportsPerSecond} reports/s ${met(summary.targets.reportsPerSecond.met)}; p99 <= ${TARGETS.p99Ms} ms ${met(summary.targets.p99Ms.met)}; ratio >= ${TARGETS.ratio} ${met(summary.targets.ratio.met)}`,
        `outbox: ${backlogAtStop} events waiting when the load stopped, all on Kafka ${round(drainSeconds)} s later`,
        `CPU per request: intake ${result.cpuMicros.server} µs + PostgreSQL ${result.cpuMicros.postgres} µs (load ${result.cpuMicros.load} µs); baseline ${base.cpuMicros.server} µs + ${base.cpuMicros.postgres} µs (load ${base.cpuMicros.load} µs)`,
        '',
      ].join('\n'),
    );
  }
} finally {
  await intake?.stop();
  await baseline?.stop();
  await dropDatabase(infra.env.DATABASE_URL, dbName).catch(() => undefined);
  await infra.stop();
}

function round(value, digits = 1) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function fmt(value, width, digits = 1) {
  return value.toFixed(digits).padStart(width);
}
