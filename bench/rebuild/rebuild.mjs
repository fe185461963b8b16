#!/usr/bin/env node
// Rebuild benchmark: replays N generated case events (a realistic mix over M cases) from a real
// Kafka topic into the case read models with `beacon projections rebuild`, beside the raw kafkajs
// consume rate of the same topic, measured in the same run on the same machine.
//
//   npm run -s bench:rebuild                 table
//   npm run -s bench:rebuild -- --json       one JSON object
//   options: --events 1000000 --cases 100000 --partitions 6 --workers 2 --keep
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { peakRssMb, processCpuSeconds } from '../lib/proc.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'package.json'));
const self = fileURLToPath(import.meta.url);

const { values: opts } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    events: { type: 'string', default: '1000000' },
    cases: { type: 'string', default: '100000' },
    partitions: { type: 'string', default: '6' },
    workers: { type: 'string', default: '2' },
    window: { type: 'string', default: '20000' },
    keep: { type: 'boolean', default: false },
    // internal: one producer process
    produce: { type: 'boolean', default: false },
    'raw-consume': { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    topic: { type: 'string' },
    brokers: { type: 'string' },
  },
});

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

function run(command, args, { env = {}, capture = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', capture ? 'pipe' : process.stderr, 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => {
      stderr += c;
      process.stderr.write(c);
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve({ stdout, stderr, pid: child.pid }) : reject(new Error(`${path.basename(args[0] ?? command)} exited with ${code}`))));
  });
}

/** A child process of this file in one of its internal modes; resolves with its last stdout line as JSON. */
function child(mode, args) {
  return run(process.execPath, [self, `--${mode}`, ...args], { capture: true }).then(({ stdout }) => JSON.parse(stdout.trim().split('\n').pop()));
}

async function loadKafkajs() {
  return require('kafkajs');
}

// ---- internal mode: generate and produce a share of the events ----------------------------------
async function produceShare() {
  const { syntheticCaseEvents } = require(path.join(root, 'dist/libs/case-domain/src/index.js'));
  const { encodeForKafka } = require(path.join(root, 'dist/libs/events/src/index.js'));
  const { Kafka, logLevel, Partitioners } = await loadKafkajs();
  const kafka = new Kafka({ clientId: 'bench-producer', brokers: opts.brokers.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const cases = new Set();
  let batch = [];
  let count = 0;
  const inflight = new Set();
  const send = async (messages) => {
    const p = producer.send({ topic: opts.topic, acks: 1, messages }).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= 4) await Promise.race(inflight);
  };
  const start = new Date(Date.now() - 120 * 86_400_000);
  for (const event of syntheticCaseEvents({ cases: Number(opts.cases), events: Number(opts.events), start, spanDays: 60, seed: Number(opts.seed) })) {
    cases.add(event.subject);
    batch.push(encodeForKafka(event));
    count++;
    if (batch.length === 800) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await send(batch);
  await Promise.all(inflight);
  await producer.disconnect();
  process.stdout.write(`${JSON.stringify({ events: count, cases: cases.size })}\n`);
}

// ---- internal mode: raw kafkajs consumption of the whole topic ---------------------------------
async function rawConsume() {
  const { Kafka, logLevel } = await loadKafkajs();
  const kafka = new Kafka({ clientId: 'bench-raw', brokers: opts.brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const total = (await admin.fetchTopicOffsets(opts.topic)).reduce((sum, o) => sum + Number(o.high), 0);
  const groupId = `bench-raw-${Date.now()}`;
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
  let seen = 0;
  let first = 0;
  let last = 0;
  await new Promise((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        first ||= performance.now();
        seen += batch.messages.length;
        if (seen >= total) {
          last = performance.now();
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
  const seconds = (last - first) / 1000;
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ events: seen, seconds, perSecond: seen / seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`);
}

// ---- the benchmark ----------------------------------------------------------------------------
async function main() {
  const started = Date.now();
  log('building');
  await run(process.execPath, [path.join(root, 'tools/build.mjs')]);

  let infra = null;
  let brokers = process.env.KAFKA_BROKERS;
  let adminUrl = process.env.DATABASE_URL;
  if (!brokers || !adminUrl) {
    const { resolveInfrastructure } = await import(path.join(root, 'tools/infra/index.mjs'));
    infra = await resolveInfrastructure({ log });
    brokers ??= infra.env.KAFKA_BROKERS;
    adminUrl ??= infra.env.DATABASE_URL;
  }
  const { Kafka, logLevel } = await loadKafkajs();
  const pg = require('pg');
  const stamp = `${Date.now().toString(36)}`;
  const prefix = `bench-${stamp}.`;
  const topic = `${prefix}beacon.case-events.v1`;
  const database = `beacon_bench_${stamp}`;
  const kafka = new Kafka({ clientId: 'bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const adminDb = new pg.Client({ connectionString: adminUrl });
  await adminDb.connect();
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${database}`;

  const events = Number(opts.events);
  const cases = Number(opts.cases);
  const partitions = Number(opts.partitions);
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: partitions, configEntries: [{ name: 'retention.ms', value: '-1' }] },
        { topic: `${prefix}beacon.case-events.dlq.v1`, numPartitions: 1 },
      ],
    });
    await adminDb.query(`CREATE DATABASE "${database}"`);

    // Setup, not measured: generate and produce with one process per core, each its own cases.
    const producers = Math.max(1, Math.min(os.availableParallelism(), 4));
    log(`producing ${events} events over ${cases} cases to ${topic} (${partitions} partitions, ${producers} producers)`);
    const produceStarted = Date.now();
    const shares = await Promise.all(
      Array.from({ length: producers }, (_, i) =>
        child('produce', [
          '--brokers', brokers, '--topic', topic, '--seed', String(1000 + i),
          '--cases', String(Math.floor(cases / producers) + (i < cases % producers ? 1 : 0)),
          '--events', String(Math.floor(events / producers) + (i < events % producers ? 1 : 0)),
        ]),
      ),
    );
    const produced = shares.reduce((s, x) => s + x.events, 0);
    const producedCases = shares.reduce((s, x) => s + x.cases, 0);
    const produceSeconds = (Date.now() - produceStarted) / 1000;
    log(`produced ${produced} events of ${producedCases} cases in ${produceSeconds.toFixed(1)} s`);

    log('raw kafkajs consumption (baseline)');
    const baseline = await child('raw-consume', ['--brokers', brokers, '--topic', topic]);
    log(`baseline: ${Math.round(baseline.perSecond)} events/s`);

    const env = {
      DATABASE_URL: dbUrl.toString(),
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: prefix,
      REBUILD_WORKERS: opts.workers,
      REBUILD_WINDOW_EVENTS: opts.window,
      LOG_LEVEL: 'warn',
    };
    const cli = path.join(root, 'dist/services/case-projector/src/cli.js');
    await run(process.execPath, [cli, 'projections', 'migrate'], { env });
    log(`projector: beacon projections rebuild (${opts.workers} worker threads)`);
    // BENCH_PROFILE=<dir> writes CPU profiles of the rebuild there, one per thread (open them in Chrome DevTools).
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    const rebuild = spawn(process.execPath, [...profile, cli, 'projections', 'rebuild', '--json'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let peak = 0;
    let nodeCpu = 0;
    // The database's own CPU for this rebuild: its backends are the only ones on the bench database.
    const backends = new Map();
    const sampleDb = new pg.Client({ connectionString: adminUrl });
    await sampleDb.connect();
    let sampling = Promise.resolve();
    const sampler = setInterval(() => {
      peak = Math.max(peak, peakRssMb(rebuild.pid) ?? 0);
      nodeCpu = Math.max(nodeCpu, processCpuSeconds(rebuild.pid) ?? 0);
      sampling = sampling
        .then(() => sampleDb.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]))
        .then(({ rows }) => {
          for (const { pid } of rows) backends.set(pid, Math.max(backends.get(pid) ?? 0, processCpuSeconds(pid) ?? 0));
        })
        .catch(() => undefined);
    }, 200);
    let out = '';
    rebuild.stdout.on('data', (c) => (out += c));
    rebuild.stderr.on('data', (c) => process.stderr.write(c));
    const code = await new Promise((resolve) => rebuild.on('exit', resolve));
    clearInterval(sampler);
    await sampling;
    await sampleDb.end();
    const postgresCpu = [...backends.values()].reduce((a, b) => a + b, 0);
    if (code !== 0) throw new Error(`projections rebuild exited with ${code}`);
    const result = JSON.parse(out);

    const db = new pg.Client({ connectionString: dbUrl.toString() });
    await db.connect();
    const counts = (await db.query(`SELECT (SELECT count(*) FROM projection.cases)::int AS cases, (SELECT count(*) FROM projection.case_timeline)::int AS timeline`)).rows[0];
    await db.end();
    if (counts.timeline !== produced || counts.cases !== producedCases) {
      throw new Error(`read models hold ${counts.timeline} events of ${counts.cases} cases, expected ${produced} of ${producedCases}`);
    }

    const eventsPerSecond = result.applied / result.replaySeconds;
    const report = {
      events: produced,
      cases: producedCases,
      partitions,
      workers: Number(opts.workers),
      eventsPerSecond: Math.round(eventsPerSecond),
      baselinePerSecond: Math.round(baseline.perSecond),
      ratio: Number((eventsPerSecond / baseline.perSecond).toFixed(3)),
      peakRssMb: Math.round(peak),
      replaySeconds: Number(result.replaySeconds.toFixed(1)),
      rebuildSeconds: Number(result.seconds.toFixed(1)),
      baselineSeconds: Number(baseline.seconds.toFixed(1)),
      produceSeconds: Number(produceSeconds.toFixed(1)),
      switchMs: result.switchMs,
      // CPU per event does not depend on what else the machine runs, unlike the rates.
      projectorCpuMicrosPerEvent: Math.round((nodeCpu / produced) * 1e6),
      postgresCpuMicrosPerEvent: Math.round((postgresCpu / produced) * 1e6),
      baselineCpuMicrosPerEvent: Math.round((baseline.cpuSeconds / produced) * 1e6),
      totalSeconds: Math.round((Date.now() - started) / 1000),
      cpus: os.availableParallelism(),
      loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
      targets: { eventsPerSecond: 20_000, ratio: 0.5 },
    };
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      const rows = [
        ['events replayed', `${report.events} (${report.cases} cases, ${partitions} partitions)`],
        ['projector rebuild', `${report.eventsPerSecond} events/s (${report.replaySeconds} s, ${report.workers} worker threads)`],
        ['raw kafkajs consume', `${report.baselinePerSecond} events/s (${report.baselineSeconds} s, one consumer)`],
        ['ratio', `${report.ratio} (target 0.5)`],
        ['projector peak RSS', `${report.peakRssMb} MB`],
        ['CPU per event', `projector ${report.projectorCpuMicrosPerEvent} µs + PostgreSQL ${report.postgresCpuMicrosPerEvent} µs; raw consumer ${report.baselineCpuMicrosPerEvent} µs`],
        ['switch-over', `${report.switchMs} ms`],
        ['setup: generate + produce', `${report.produceSeconds} s`],
        ['whole run', `${report.totalSeconds} s on ${report.cpus} cores, load ${report.loadAverage.join(' ')}`],
      ];
      const width = Math.max(...rows.map(([k]) => k.length));
      process.stdout.write(`\nrebuild benchmark\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n`);
    }
  } finally {
    if (!opts.keep) {
      await admin.deleteTopics({ topics: [topic, `${prefix}beacon.case-events.dlq.v1`] }).catch(() => undefined);
      await adminDb.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
    } else {
      log(`kept topic ${topic} and database ${database}`);
    }
    await admin.disconnect();
    await adminDb.end();
    await infra?.stop();
  }
}

if (opts.produce) await produceShare();
else if (opts['raw-consume']) await rawConsume();
else
  await main().catch((error) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
