#!/usr/bin/env node
// Self-check of the local infrastructure: node tools/infra/smoke.mjs
// Starts a broker, exercises topics / produce / consume-in-a-group / restart after
// SIGKILL, then PostgreSQL database create/drop, and prints timings.
import { existsSync, readFileSync } from 'node:fs';
import { ensureKafkaJars, kafkaJarsCached, startKafka } from './kafka.mjs';
import { createDatabase, databaseUrl, dropDatabase, ensurePostgres } from './postgres.mjs';

/** @param {string} msg */
const log = (msg) => process.stderr.write(`[infra] ${msg}\n`);

const MESSAGE_TIMEOUT_MS = 30_000;

/** @type {Record<string, string>} */
const results = {};

/**
 * @template T
 * @param {string} label
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function timed(label, fn) {
  const started = Date.now();
  const value = await fn();
  results[label] = `${((Date.now() - started) / 1000).toFixed(2)} s`;
  log(`${label}: ${results[label]}`);
  return value;
}

/** @param {number | undefined} pid */
function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (/** @type {string} */ field) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

async function loadKafkajs() {
  const mod = await import('kafkajs');
  return mod.default ?? mod;
}

/**
 * Consumes `topic` from the beginning in a fresh group until a message with `value` arrives.
 * @param {import('kafkajs').Kafka} kafka
 * @param {string} topic
 * @param {string} value
 */
async function consumeUntil(kafka, topic, value) {
  const consumer = kafka.consumer({
    groupId: `smoke-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no message "${value}" on ${topic} within ${MESSAGE_TIMEOUT_MS / 1000} s`),
          ),
        MESSAGE_TIMEOUT_MS,
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            if (message.value?.toString() === value) {
              clearTimeout(timer);
              resolve(undefined);
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

/** @param {import('./kafka.mjs').KafkaHandle} broker */
async function checkKafka(broker) {
  const { Kafka, Partitioners, logLevel } = await loadKafkajs();
  const kafka = new Kafka({
    clientId: 'beacon-smoke',
    brokers: [broker.brokers],
    logLevel: logLevel.ERROR,
  });
  const topic = `smoke-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await timed('create topic (3 partitions)', async () => {
      const created = await admin.createTopics({
        topics: [{ topic, numPartitions: 3 }],
        waitForLeaders: true,
      });
      if (!created) throw new Error(`topic ${topic} already existed`);
    });
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    if (meta.topics[0].partitions.length !== 3)
      throw new Error(`expected 3 partitions, got ${meta.topics[0].partitions.length}`);

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k1', value: 'hello' }] });
    await timed('consume in a group (join + fetch)', () => consumeUntil(kafka, topic, 'hello'));

    await producer.send({ topic, messages: [{ key: 'k2', value: 'survives-sigkill' }] });
    await producer.disconnect();
    await admin.disconnect();

    const pidBefore = broker.pid;
    await timed('kill -9 broker', () => broker.kill('SIGKILL'));
    await timed('restart after SIGKILL (same ports, same data)', () => broker.start());
    if (broker.pid === pidBefore) throw new Error('restart did not start a new process');
    await timed('consume message produced before SIGKILL', () =>
      consumeUntil(kafka, topic, 'survives-sigkill'),
    );

    await admin.connect();
    await timed('delete topic', () => admin.deleteTopics({ topics: [topic] }));
    const topics = await admin.listTopics();
    if (topics.includes(topic)) throw new Error(`topic ${topic} still listed after delete`);
  } finally {
    await admin.disconnect();
  }
}

async function checkPostgres() {
  const { url } = await timed('ensure PostgreSQL', () => ensurePostgres({ log }));
  const name = `beacon_smoke_${process.pid}`;
  await createDatabase(url, name);
  try {
    const mod = await import('pg');
    const { Client } = mod.default ?? mod;
    const client = new Client({ connectionString: databaseUrl(url, name) });
    await client.connect();
    const { rows } = await client.query('SELECT current_database() AS db');
    if (rows[0].db !== name) throw new Error(`connected to ${rows[0].db}, expected ${name}`);
    // Left open on purpose: dropDatabase must cope with connected clients.
    client.on('error', () => {});
  } finally {
    await dropDatabase(url, name);
  }
  results['PostgreSQL'] = `${url} (create + connect + drop ${name} ok)`;
}

async function main() {
  const cold = !kafkaJarsCached();
  await timed(`jar fetch (${cold ? 'cold' : 'warm'})`, () => ensureKafkaJars({ log }));

  const broker = await timed('broker start to ready (incl. storage format)', () =>
    startKafka({ log }),
  );
  let failed = false;
  try {
    const mem = memoryOf(broker.pid);
    results['broker RSS when ready'] = `${mem.rssMb} MB`;
    await checkKafka(broker);
    const after = memoryOf(broker.pid);
    results['broker RSS after checks (restarted JVM)'] =
      `${after.rssMb} MB (peak ${after.peakMb} MB)`;
    await timed('broker stop (SIGTERM)', () => broker.stop());
  } catch (err) {
    failed = true;
    log(
      `Kafka check failed: ${err instanceof Error ? err.stack : err}\n--- broker log ---\n${broker.logs()}`,
    );
  } finally {
    await broker.destroy();
    if (existsSync(broker.dataDir)) throw new Error(`data dir ${broker.dataDir} left behind`);
  }

  try {
    await checkPostgres();
  } catch (err) {
    failed = true;
    log(`PostgreSQL check failed: ${err instanceof Error ? err.message : err}`);
  }

  const width = Math.max(...Object.keys(results).map((k) => k.length));
  process.stdout.write(`\nBeacon infra smoke ${failed ? 'FAILED' : 'passed'}\n`);
  for (const [label, value] of Object.entries(results))
    process.stdout.write(`  ${label.padEnd(width)}  ${value}\n`);
  process.exitCode = failed ? 1 : 0;
}

await main();
