#!/usr/bin/env node
// Alert latency: hotline report accepted (intake answers 202) → page accepted by the SMTP
// server, at a steady rate of reports, through the four services running as processes on
// real Kafka and PostgreSQL. Beside it, plain kafkajs produce → consume latency on the same
// broker in the same run, the floor any Kafka pipeline stands on.
//
//   node bench/alert-latency/run.mjs [--routing email-only|production] [--rate 100]
//     [--duration 60] [--kafka-duration 20] [--json]
//
// --routing email-only (the default) pages the on-call officer by e-mail: one message a case.
// --routing production has production's shape (routing.production.yaml): the officer and the
// legal-aid partner, by SMS and e-mail at once, four messages a case, the SMS to a real SMPP
// server. The timed figure is the officer's e-mail in both; production adds the officer's SMS.
//
// Progress goes to stderr; the table (or, with --json, one JSON object) to stdout.
// BENCH_PROFILE=<dir> writes a CPU profile of the dispatcher there; BENCH_KEEP_DB=1 keeps the
// run's database.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { machineCpuSeconds, processCpuSeconds } from '../lib/proc.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'package.json'));
const { Kafka, logLevel } = require('kafkajs');
const { SMTPServer } = require('smtp-server');
const pg = require('pg');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? Number(args[at + 1]) : fallback;
};
const json = args.includes('--json');
const ROUTING = (() => {
  const at = args.indexOf('--routing');
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : 'email-only';
})();
// What each routing file sends for one critical case, as the files in this directory set it.
const OFFICER = { id: 'po-bench-1', email: 'po-bench-1@beacon.example', phone: '77000000901' };
const PARTNER = { id: 'lap-bench', email: 'lap-bench@beacon.example', phone: '77000000961' };
const ROUTINGS = {
  'email-only': {
    file: 'routing.yaml',
    sends: 'e-mail to the on-call officer',
    expected: [{ who: OFFICER, channel: 'email' }],
  },
  production: {
    file: 'routing.production.yaml',
    sends: 'SMS + e-mail to the on-call officer and the legal-aid partner',
    expected: [
      { who: OFFICER, channel: 'email' },
      { who: OFFICER, channel: 'sms' },
      { who: PARTNER, channel: 'email' },
      { who: PARTNER, channel: 'sms' },
    ],
  },
};
if (!Object.hasOwn(ROUTINGS, ROUTING)) {
  process.stderr.write(`--routing must be one of: ${Object.keys(ROUTINGS).join(', ')}\n`);
  process.exit(2);
}
const routing = ROUTINGS[ROUTING];
const withSms = routing.expected.some((m) => m.channel === 'sms');
const RATE = option('rate', 100);
const DURATION_S = option('duration', 60);
const KAFKA_DURATION_S = option('kafka-duration', 20);
const DRAIN_MS = 30_000;
const TARGET_P99_MS = 1_000;
const log = (message) => process.stderr.write(`[bench] ${message}\n`);

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[index]);
}

function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? Math.round(sorted[sorted.length - 1]) : null,
  };
}

// Where the machine's CPU went during the timed run, in CPU seconds: each service process, the
// broker, the PostgreSQL backends serving each service, this process (load and SMTP server),
// and the whole machine (everything else running on it included).
/** CPU use so far of each part; two samples go to `cpuUsed`. */
async function cpuSample(processes, pool, dbName) {
  const { rows } = await pool.query(
    `SELECT pid, application_name FROM pg_stat_activity WHERE datname = $1`,
    [dbName],
  );
  return {
    processes: Object.fromEntries(
      Object.entries(processes).map(([name, pid]) => [name, processCpuSeconds(pid)]),
    ),
    backends: rows.map((r) => ({
      pid: r.pid,
      name: r.application_name || 'other',
      cpu: processCpuSeconds(r.pid),
    })),
    machine: machineCpuSeconds(),
    bench: process.cpuUsage(),
  };
}

function cpuUsed(before, after, benchLabel) {
  const round = (n) => Math.round(n * 10) / 10;
  const used = {};
  for (const [name, cpu] of Object.entries(after.processes)) {
    const start = before.processes[name];
    if (cpu !== null && start !== null && start !== undefined) used[name] = round(cpu - start);
  }
  const postgres = {};
  for (const backend of after.backends) {
    if (backend.cpu === null) continue;
    // A backend opened during the run counts from zero; one closed during it is not seen.
    const start = before.backends.find((b) => b.pid === backend.pid)?.cpu ?? 0;
    postgres[backend.name] = (postgres[backend.name] ?? 0) + backend.cpu - start;
  }
  for (const name of Object.keys(postgres)) postgres[name] = round(postgres[name]);
  const bench = process.cpuUsage(before.bench);
  return {
    ...used,
    postgres,
    [benchLabel]: round((bench.user + bench.system) / 1e6),
    machine:
      after.machine !== null && before.machine !== null
        ? round(after.machine - before.machine)
        : null,
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const CASE_LINK = /\/cases\/([0-9a-f-]{36})/;

/** The case id in a page's case link; a body outside ASCII (Russian, say) comes as base64. */
function caseLinkIn(raw) {
  const plain = CASE_LINK.exec(raw)?.[1];
  if (plain) return plain;
  const part = /Content-Transfer-Encoding: base64\r\n\r\n([A-Za-z0-9+/=\r\n]+)/.exec(raw)?.[1];
  return part ? CASE_LINK.exec(Buffer.from(part, 'base64').toString('utf8'))?.[1] : undefined;
}

/** A real SMTP server that notes when the first page about each case reached each address. */
async function startSmtp() {
  const arrivals = new Map(); // address → case id → arrived at
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let text = '';
      stream.on('data', (chunk) => {
        if (text.length < 32_768) text += chunk.toString('latin1');
      });
      stream.on('end', () => {
        const receivedAt = performance.timeOrigin + performance.now();
        // The case link in the body names the case; its six-digit reference can collide.
        const caseId = caseLinkIn(text);
        if (caseId) {
          for (const { address } of session.envelope.rcptTo) {
            const to = address.toLowerCase();
            if (!arrivals.has(to)) arrivals.set(to, new Map());
            if (!arrivals.get(to).has(caseId)) arrivals.get(to).set(caseId, receivedAt);
          }
        }
        callback();
      });
    },
  });
  const port = await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.server.address().port));
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    arrivals,
    to: (address) => arrivals.get(address) ?? new Map(),
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

function startService(name, env, port, nodeArgs = []) {
  const child = spawn(
    process.execPath,
    [...nodeArgs, path.join(root, 'dist/services', name, 'src/main.js')],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        ...env,
        PORT: String(port),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let output = '';
  child.stderr.on('data', (chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const service = {
    name,
    pid: child.pid,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return (async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`${name} exited during start-up:\n${output.slice(-4_000)}`);
      const ok = await fetch(`${service.baseUrl}/health/ready`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return service;
      if (Date.now() > deadline) {
        await service.stop();
        throw new Error(`${name} did not become ready:\n${output.slice(-4_000)}`);
      }
      await sleep(200);
    }
  })();
}

function report(n) {
  const occurredAt = new Date(Date.now() - 30 * 60_000).toISOString();
  return {
    occurredAt,
    timeBand: 'night',
    region: 'almaty',
    source: { role: 'family', reliability: 'credible', channel: 'call', language: 'ru' },
    recordedBy: 'operator-bench',
    persons: [
      {
        name: `Bench Person ${n}`,
        registrationNumber: `BEN-${String(n).padStart(8, '0')}`,
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
        manner: 'street',
        statedReason: 'none-given',
        witnesses: 1,
      },
    ],
  };
}

// The load goes out through node:http on kept-alive connections rather than fetch: at 100
// requests a second fetch cost the bench process a third of a core, taken from the services
// it measures on the same two cores.
const agent = new http.Agent({ keepAlive: true });
const CONNECT_TIMEOUT_MS = 10_000;

/** POSTs JSON; resolves when the answer is complete, with when its head arrived. */
function postJson(url, headers, body) {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body);
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': payload.length,
        },
      },
      (response) => {
        const at = performance.timeOrigin + performance.now();
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode,
            at,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(
        () =>
          request.destroy(Object.assign(new Error('connect timeout'), { code: 'CONNECT_TIMEOUT' })),
        CONNECT_TIMEOUT_MS,
      );
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/** Open loop at a fixed rate: each report leaves on its schedule whether or not the last was answered. */
async function load(intake, hotlineKey) {
  const accepted = new Map(); // case id → accepted-at (ms since epoch)
  const refusals = {};
  let failed = 0;
  const total = RATE * DURATION_S;
  const interval = 1_000 / RATE;
  const started = performance.now();
  const inFlight = [];
  for (let n = 0; n < total; n += 1) {
    const due = started + n * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(
      postJson(
        `${intake.baseUrl}/v1/reports`,
        { authorization: `Bearer ${hotlineKey}`, 'idempotency-key': randomUUID() },
        JSON.stringify(report(n)),
      )
        .then(({ status, at, text }) => {
          if (status !== 202) {
            failed += 1;
            refusals[status] = (refusals[status] ?? 0) + 1;
            return;
          }
          for (const c of JSON.parse(text).cases) accepted.set(c.caseId, at);
        })
        .catch((error) => {
          failed += 1;
          const code = error.code ?? 'error';
          refusals[code] = (refusals[code] ?? 0) + 1;
        }),
    );
    if (n > 0 && n % (RATE * 10) === 0) log(`${n} reports sent`);
  }
  await Promise.all(inFlight);
  if (failed > 0) log(`reports refused: ${JSON.stringify(refusals)}`);
  return { accepted, failed, refusals, sent: total, seconds: (performance.now() - started) / 1000 };
}

/** Plain kafkajs on the same broker: acks=all produce → eachMessage, at the same rate. */
async function kafkaBaseline(brokers) {
  const kafka = new Kafka({
    clientId: 'bench-baseline',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const topic = `bench.baseline.${randomBytes(4).toString('hex')}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({
    groupId: `bench-${randomBytes(4).toString('hex')}`,
    maxWaitTimeInMs: 100,
  });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const latencies = [];
  let joined;
  const ready = new Promise((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    eachMessage: async ({ message }) => {
      latencies.push(performance.timeOrigin + performance.now() - Number(message.value.toString()));
    },
  });
  await ready;
  const total = RATE * KAFKA_DURATION_S;
  const interval = 1_000 / RATE;
  const started = performance.now();
  const sends = [];
  for (let n = 0; n < total; n += 1) {
    const wait = started + n * interval - performance.now();
    if (wait > 1) await sleep(wait);
    sends.push(
      producer.send({
        topic,
        acks: -1,
        messages: [{ key: String(n), value: String(performance.timeOrigin + performance.now()) }],
      }),
    );
  }
  await Promise.all(sends);
  const deadline = Date.now() + 15_000;
  while (latencies.length < total && Date.now() < deadline) await sleep(50);
  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  return { sent: total, ...summary(latencies) };
}

async function main() {
  log('building (node tools/build.mjs)');
  const build = spawnSync(process.execPath, [path.join(root, 'tools/build.mjs')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (build.status !== 0) throw new Error('build failed');

  const { resolveInfrastructure, createDatabase, dropDatabase, databaseUrl } = await import(
    path.join(root, 'tools/infra/index.mjs')
  );
  const infra = await resolveInfrastructure({ log });
  const adminUrl = infra.env.DATABASE_URL;
  const dbName = `beacon_bench_${Date.now().toString(36)}`;
  await createDatabase(adminUrl, dbName);
  const dbUrl = databaseUrl(adminUrl, dbName);
  const smtp = await startSmtp();
  // Production routing's SMS go to a real SMPP 3.4 server (the one e2e and the dispatcher's
  // tests use), which answers submit_sm and sends delivery receipts as an SMSC does.
  const smpp = withSms
    ? await require(path.join(root, 'tools/infra/smpp-simulator.cjs')).startSmppSimulator()
    : null;
  const services = [];
  const hotlineKey = `bk_dev_${randomBytes(32).toString('base64url')}`;
  try {
    const shared = {
      DATABASE_URL: dbUrl,
      KAFKA_BROKERS: infra.env.KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: `bench_${randomBytes(3).toString('hex')}.`,
    };
    const [intakePort, projectorPort, dispatcherPort, consolePort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    log(`routing ${ROUTING} (${routing.file}): ${routing.sends}`);
    log('starting intake-api, case-projector, alert-dispatcher, ops-console');
    const intake = await startService(
      'intake-api',
      {
        ...shared,
        PERSON_HMAC_KEY: randomBytes(32).toString('base64'),
        VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`,
        DEV_API_KEY: hotlineKey,
        // One bench client stands for many hotlines: the per-hotline limit (20/s) is not what is measured.
        RATE_LIMIT_PER_SECOND: String(Math.max(1_000, RATE * 2)),
        RATE_LIMIT_BURST: String(Math.max(2_000, RATE * 4)),
      },
      intakePort,
    );
    services.push(intake);
    services.push(await startService('case-projector', shared, projectorPort));
    services.push(
      await startService(
        'alert-dispatcher',
        {
          ...shared,
          SMTP_URL: smtp.url,
          ...(smpp ? { SMPP_URL: smpp.url } : {}),
          ROUTING_CONFIG_PATH: path.join(root, 'bench/alert-latency', routing.file),
          PUBLIC_CONSOLE_URL: `http://127.0.0.1:${consolePort}`,
        },
        dispatcherPort,
        // BENCH_PROFILE=<dir> writes a V8 CPU profile of the dispatcher there when it stops.
        process.env.BENCH_PROFILE
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
          : [],
      ),
    );
    services.push(
      await startService(
        'ops-console',
        {
          DATABASE_URL: dbUrl,
          VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`,
          AUTH_ACCESS_TOKEN_KEYS: `at1:${randomBytes(32).toString('base64')}`,
          AUTH_TOTP_KEYS: `tk1:${randomBytes(32).toString('base64')}`,
        },
        consolePort,
      ),
    );

    // One report first, so topic creation and consumer-group joins are not timed.
    log('warming up');
    await fetch(`${intake.baseUrl}/v1/reports`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${hotlineKey}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify(report(-1)),
    });
    const smsTo = (phone) => (m) => m.to.replace(/^\+/, '') === phone;
    const warmedUp = () =>
      smtp.to(OFFICER.email).size > 0 && (!smpp || smpp.messages.some(smsTo(OFFICER.phone)));
    const warmDeadline = Date.now() + 60_000;
    while (!warmedUp() && Date.now() < warmDeadline) await sleep(100);
    if (!warmedUp())
      throw new Error(
        `the officer's page did not arrive during the warm-up (e-mail to ${[
          ...smtp.arrivals.keys(),
        ].join(', ')}; SMS to ${smpp?.messages.map((m) => m.to).join(', ')}):\n${services
          .map((s) => s.output())
          .join('\n')
          .slice(-6_000)}`,
      );
    smtp.arrivals.clear();
    // SMS before this index belong to the warm-up case.
    const smsFrom = smpp?.messages.length ?? 0;

    const pool = new pg.Pool({ connectionString: dbUrl, max: 1 });
    const processes = {
      ...Object.fromEntries(services.map((s) => [s.name, s.pid])),
      kafka: infra.kafka?.pid,
    };
    const cpuBefore = await cpuSample(processes, pool, dbName);
    const windowStarted = performance.now();
    log(`${RATE} reports/s for ${DURATION_S} s`);
    const run = await load(intake, hotlineKey);
    const drainUntil = Date.now() + DRAIN_MS;
    const mailExpected = routing.expected.filter((m) => m.channel === 'email');
    const smsExpected = routing.expected.filter((m) => m.channel === 'sms');
    // SMS are told apart by case only afterwards (from the dispatcher's table), so the drain
    // waits for their number.
    const drained = () =>
      mailExpected.every(({ who }) => {
        const arrived = smtp.to(who.email);
        return [...run.accepted.keys()].every((caseId) => arrived.has(caseId));
      }) &&
      (!smpp || smpp.messages.length - smsFrom >= run.accepted.size * smsExpected.length);
    while (Date.now() < drainUntil && !drained()) await sleep(200);
    const cpu = cpuUsed(
      cpuBefore,
      await cpuSample(processes, pool, dbName),
      smpp ? 'bench (load, SMTP and SMPP servers)' : 'bench (load, SMTP server)',
    );
    const cpuWindowS = Math.round((performance.now() - windowStarted) / 100) / 10;
    const officerMail = smtp.to(OFFICER.email);
    const latencies = [];
    for (const [caseId, acceptedAt] of run.accepted) {
      const arrived = officerMail.get(caseId);
      if (arrived !== undefined) latencies.push(Math.max(0, arrived - acceptedAt));
    }
    const alerts = summary(latencies);
    // Each SMS the SMPP server took, matched to its case by the acknowledgement code in its
    // text ("ACK 2209"): the code is unique among open alerts, and no alert is acknowledged
    // during the run. The case reference beside it must agree (six digits, so it collides
    // among thousands of cases and cannot name the case alone). The dispatcher's own record of
    // the send (provider_message_id) can lag the SMSC by seconds, so it is not used.
    const smsArrivals = new Map(); // recipient id → case id → arrived at
    let smsReceived = 0;
    if (smpp) {
      const { caseRefOf } = require(path.join(root, 'dist/libs/alerting-domain/src/case-ref.js'));
      const { rows: open } = await pool.query(
        `SELECT case_id, ack_code FROM alerting.alerts WHERE status = 'open' AND ack_code IS NOT NULL`,
      );
      const caseOfCode = new Map(open.map((r) => [r.ack_code, r.case_id]));
      const recipientOf = new Map([
        [OFFICER.phone, OFFICER.id],
        [PARTNER.phone, PARTNER.id],
      ]);
      for (const message of smpp.messages.slice(smsFrom)) {
        smsReceived += 1;
        const caseId = caseOfCode.get(/\bACK (\S+)/.exec(message.text)?.[1]);
        const recipientId = recipientOf.get(message.to.replace(/^\+/, ''));
        if (!caseId || !recipientId || !message.text.includes(caseRefOf(caseId))) continue;
        if (!smsArrivals.has(recipientId)) smsArrivals.set(recipientId, new Map());
        const arrivals = smsArrivals.get(recipientId);
        if (!arrivals.has(caseId)) arrivals.set(caseId, message.receivedAt);
      }
    }
    const officerSms = smsArrivals.get(OFFICER.id) ?? new Map();
    const smsLatencies = [];
    for (const [caseId, acceptedAt] of run.accepted) {
      const arrived = officerSms.get(caseId);
      if (arrived !== undefined) smsLatencies.push(Math.max(0, arrived - acceptedAt));
    }
    const sms = summary(smsLatencies);
    let messagesReceived = 0;
    for (const caseId of run.accepted.keys()) {
      for (const { who, channel } of routing.expected) {
        const arrived =
          channel === 'email' ? smtp.to(who.email) : (smsArrivals.get(who.id) ?? new Map());
        if (arrived.has(caseId)) messagesReceived += 1;
      }
    }
    const messagesExpected = run.accepted.size * routing.expected.length;
    // Where the time goes: accepted → alert decided (Kafka, projector-free path to the dispatcher), decided → SMTP.
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM alerting.notifications WHERE status = 'sent'`,
    );
    const { rows: raised } = await pool.query(
      `SELECT case_id, extract(epoch FROM raised_at) * 1000 AS at FROM alerting.alerts`,
    );
    // The first part of accepted → decided: intake's outbox relay publishing the case's events
    // (published_at is the start of the relay's transaction, just before it produces).
    const { rows: published } = await pool
      .query(
        `SELECT stream_key AS case_id, extract(epoch FROM min(published_at)) * 1000 AS at
         FROM intake.outbox WHERE published_at IS NOT NULL GROUP BY stream_key`,
      )
      .catch(() => ({ rows: [] }));
    await pool.end();
    const toDecision = [];
    const decisionToSmtp = [];
    for (const { case_id: caseId, at } of raised) {
      const acceptedAt = run.accepted.get(caseId);
      const arrived = officerMail.get(caseId);
      if (acceptedAt !== undefined) toDecision.push(Math.max(0, Number(at) - acceptedAt));
      if (arrived !== undefined) decisionToSmtp.push(Math.max(0, arrived - Number(at)));
    }
    const toPublish = [];
    for (const { case_id: caseId, at } of published) {
      const acceptedAt = run.accepted.get(caseId);
      if (acceptedAt !== undefined) toPublish.push(Math.max(0, Number(at) - acceptedAt));
    }
    const decided = summary(toDecision);
    const delivered = summary(decisionToSmtp);
    const relayed = summary(toPublish);

    log(`plain Kafka produce → consume, ${RATE} messages/s for ${KAFKA_DURATION_S} s`);
    const kafka = await kafkaBaseline(infra.env.KAFKA_BROKERS);

    const result = {
      routing: ROUTING,
      routingFile: `bench/alert-latency/${routing.file}`,
      sendsPerCase: routing.sends,
      messagesPerCase: routing.expected.length,
      rate: RATE,
      durationS: DURATION_S,
      reportsSent: run.sent,
      reportsAccepted: run.accepted.size,
      reportsFailed: run.failed,
      refusals: run.refusals,
      achievedRate: Math.round((run.sent / run.seconds) * 10) / 10,
      pagesTimed: alerts.count,
      pagesMissing: run.accepted.size - alerts.count,
      notificationsSent: rows[0]?.n ?? 0,
      messagesExpected,
      messagesReceived,
      messagesMissing: messagesExpected - messagesReceived,
      p50Ms: alerts.p50,
      p90Ms: alerts.p90,
      p99Ms: alerts.p99,
      maxMs: alerts.max,
      publishP50Ms: relayed.p50,
      publishP99Ms: relayed.p99,
      decisionP50Ms: decided.p50,
      decisionP99Ms: decided.p99,
      deliveryP50Ms: delivered.p50,
      deliveryP99Ms: delivered.p99,
      // The on-call officer's SMS: report accepted → submit_sm received by the SMPP server.
      ...(smpp
        ? {
            smsReceived,
            smsTimed: sms.count,
            smsMissing: run.accepted.size - sms.count,
            smsP50Ms: sms.p50,
            smsP90Ms: sms.p90,
            smsP99Ms: sms.p99,
            smsMaxMs: sms.max,
          }
        : {}),
      kafkaMessages: kafka.count,
      kafkaP50Ms: kafka.p50,
      kafkaP90Ms: kafka.p90,
      kafkaP99Ms: kafka.p99,
      kafkaMaxMs: kafka.max,
      cpuWindowS,
      cpuSeconds: cpu,
      targetP99Ms: TARGET_P99_MS,
      // Every message the routing sends must arrive, the officer's e-mail within the target.
      meetsTarget:
        alerts.p99 !== null &&
        alerts.p99 <= TARGET_P99_MS &&
        alerts.count === run.accepted.size &&
        messagesReceived === messagesExpected,
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    };
    if (json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      // Columns: the officer's e-mail, the officer's SMS (production routing), plain Kafka.
      const row = (label, mail, sms, kafka) =>
        `${label.padEnd(34)}${String(mail ?? '-').padStart(12)}${
          smpp ? String(sms ?? '-').padStart(14) : ''
        }${String(kafka ?? '-').padStart(14)}`;
      process.stdout.write(
        [
          `alert latency, ${RATE} reports/s for ${DURATION_S} s (${result.achievedRate}/s achieved), ${result.machine.cpus} CPUs`,
          `routing ${ROUTING} (${result.routingFile}): ${routing.sends}, ${routing.expected.length} message${routing.expected.length === 1 ? '' : 's'} a case; timed: the officer's ${smpp ? 'e-mail and SMS' : 'e-mail'}`,
          row('', 'report→SMTP', 'report→SMPP', 'Kafka p→c'),
          row('samples', result.pagesTimed, result.smsTimed, result.kafkaMessages),
          row('p50 ms', result.p50Ms, result.smsP50Ms, result.kafkaP50Ms),
          row('p90 ms', result.p90Ms, result.smsP90Ms, result.kafkaP90Ms),
          row('p99 ms', result.p99Ms, result.smsP99Ms, result.kafkaP99Ms),
          row('max ms', result.maxMs, result.smsMaxMs, result.kafkaMaxMs),
          row(
            '  of which accepted→published p50/p99',
            `${result.publishP50Ms}/${result.publishP99Ms}`,
            '',
            '',
          ),
          row(
            '  of which accepted→decided p50/p99',
            `${result.decisionP50Ms}/${result.decisionP99Ms}`,
            '',
            '',
          ),
          row(
            '  of which decided→SMTP p50/p99',
            `${result.deliveryP50Ms}/${result.deliveryP99Ms}`,
            '',
            '',
          ),
          row(
            'reports accepted / failed',
            `${result.reportsAccepted}/${result.reportsFailed}`,
            '',
            '',
          ),
          row(
            'messages received / expected',
            `${result.messagesReceived}/${result.messagesExpected}`,
            '',
            '',
          ),
          row('messages missing after 30 s', result.messagesMissing, '', ''),
          `CPU seconds over the ${cpuWindowS} s of load and drain: ${Object.entries(cpu)
            .map(([name, v]) =>
              typeof v === 'object' && v !== null
                ? Object.entries(v)
                    .map(([backend, n]) => `postgres for ${backend} ${n}`)
                    .join(', ')
                : `${name} ${v ?? '-'}`,
            )
            .join(', ')}`,
          `target p99 ≤ ${TARGET_P99_MS} ms: ${result.meetsTarget ? 'met' : 'NOT met'}`,
        ].join('\n') + '\n',
      );
    }
    process.exitCode = result.meetsTarget ? 0 : 1;
  } finally {
    agent.destroy();
    await Promise.all(services.map((s) => s.stop()));
    await smtp.stop();
    await smpp?.stop();
    // BENCH_KEEP_DB=1 keeps the run's database for a closer look at where the time went.
    if (process.env.BENCH_KEEP_DB) log(`kept database ${dbName}`);
    else await dropDatabase(adminUrl, dbName).catch(() => undefined);
    await infra.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(2);
});
