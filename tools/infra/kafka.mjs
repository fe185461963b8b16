// A real single-node Apache Kafka broker (KRaft, combined mode) run from Kafka's Maven
// artifacts: no Docker needed, only Java 17 and Maven. See shared/KAFKA-LOCAL.md.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** 3.9.2 resolves on Maven Central; kafkajs 2.2.4 needs the 3.x protocol range (KIP-896). */
export const KAFKA_VERSION = '3.9.2';

const MARKER = '.complete';
const READY_LINE = 'Kafka Server started';
const START_BANNER = '--- starting broker';
const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 10_000;
const LOG_LINES = 200;
const LOCK_STALE_MS = 15 * 60_000;
const JVM_OPTS = [
  '-Xms64m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
];

/** @typedef {(msg: string) => void} Log */

/** @type {Log} */
const defaultLog = (msg) => {
  process.stderr.write(`[infra] ${msg}\n`);
};

/**
 * @typedef {object} KafkaHandle
 * @property {string} brokers          "127.0.0.1:<port>"
 * @property {number | undefined} pid  pid of the running JVM (undefined while stopped)
 * @property {string} dataDir
 * @property {{ broker: number, controller: number }} ports
 * @property {() => Promise<void>} stop      SIGTERM, then SIGKILL after 10 s
 * @property {(signal?: NodeJS.Signals) => Promise<void>} kill  signal (default SIGKILL), wait for exit
 * @property {() => Promise<void>} start     start again on the same ports and data dir
 * @property {() => Promise<void>} destroy   stop and delete dataDir
 * @property {() => string} logs             last ~200 lines of broker output
 */

// ---------------------------------------------------------------------------
// Jars

/** @returns {string} cache directory for this Kafka version, outside any repository */
export function kafkaCacheDir() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'beacon', `kafka-${KAFKA_VERSION}`);
}

/** @returns {boolean} whether ensureKafkaJars would return without running Maven */
export function kafkaJarsCached() {
  return existsSync(path.join(kafkaCacheDir(), 'libs', MARKER));
}

function pomXml() {
  /** @type {(group: string, artifact: string, version: string) => string} */
  const dep = (g, a, v) =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.beacon</groupId>
  <artifactId>kafka-broker-classpath</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
${dep('org.apache.kafka', 'kafka_2.13', KAFKA_VERSION)}
${dep('org.slf4j', 'slf4j-reload4j', '1.7.36')}
${dep('ch.qos.reload4j', 'reload4j', '1.2.25')}
  </dependencies>
</project>
`;
}

/**
 * Makes sure the broker jars are in the cache and returns their directory.
 * Concurrent callers serialise on a lock directory; the jars are downloaded into a
 * temporary directory that is renamed into place only once complete.
 * @param {{ log?: Log }} [opts]
 * @returns {Promise<string>} absolute path of the libs directory
 */
export async function ensureKafkaJars({ log = defaultLog } = {}) {
  const cacheDir = kafkaCacheDir();
  const libsDir = path.join(cacheDir, 'libs');
  if (existsSync(path.join(libsDir, MARKER))) return libsDir;

  await mkdir(cacheDir, { recursive: true });
  const release = await acquireLock(path.join(cacheDir, '.lock'), log);
  try {
    if (existsSync(path.join(libsDir, MARKER))) return libsDir;
    await downloadJars(cacheDir, libsDir, log);
    return libsDir;
  } finally {
    await release();
  }
}

/**
 * @param {string} cacheDir
 * @param {string} libsDir
 * @param {Log} log
 */
async function downloadJars(cacheDir, libsDir, log) {
  const pom = path.join(cacheDir, 'pom.xml');
  await writeFile(pom, pomXml());
  await removeLeftoverTempDirs(cacheDir);
  const tmpDir = path.join(cacheDir, `libs.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  log(`fetching Kafka ${KAFKA_VERSION} jars with Maven into ${libsDir}`);
  const started = Date.now();
  try {
    const res = await run('mvn', [
      '-q',
      '-B',
      '-f',
      pom,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${tmpDir}`,
    ]);
    if (res.code !== 0) {
      throw new Error(
        `mvn dependency:copy-dependencies failed (exit ${res.code}):\n${tail(res.output, 40)}`,
      );
    }
    await writeFile(path.join(tmpDir, MARKER), `${new Date().toISOString()}\n`);
    // A libs dir without the marker is a leftover of an interrupted run.
    await rm(libsDir, { recursive: true, force: true });
    await rename(tmpDir, libsDir);
    log(`Kafka jars ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

/**
 * Temporary dirs of fetches that died midway; only called while holding the lock.
 * @param {string} cacheDir
 */
async function removeLeftoverTempDirs(cacheDir) {
  const leftovers = (await readdir(cacheDir)).filter((name) => name.startsWith('libs.tmp-'));
  await Promise.all(
    leftovers.map((name) => rm(path.join(cacheDir, name), { recursive: true, force: true })),
  );
}

/**
 * A lock held by creating a directory, which is atomic. A lock whose owner is gone
 * (dead pid, or older than LOCK_STALE_MS) is broken.
 * @param {string} lockDir
 * @param {Log} log
 * @returns {Promise<() => Promise<void>>} release function
 */
async function acquireLock(lockDir, log) {
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(path.join(lockDir, 'pid'), String(process.pid));
      return () => rm(lockDir, { recursive: true, force: true });
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
    }
    if (await isStaleLock(lockDir)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) log('waiting for another process that is fetching the Kafka jars');
    announced = true;
    await sleep(500);
  }
}

/** @param {string} lockDir */
async function isStaleLock(lockDir) {
  try {
    const info = await stat(lockDir);
    if (Date.now() - info.mtimeMs > LOCK_STALE_MS) return true;
    const pid = Number(await readFile(path.join(lockDir, 'pid'), 'utf8'));
    return pid > 0 && !isAlive(pid);
  } catch {
    // The pid file is written just after the directory; give the owner a moment.
    return false;
  }
}

/** @param {number} pid */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------
// Broker

/**
 * Starts a broker and waits until it answers kafkajs admin requests.
 * `dataDir` (default: a new directory under os.tmpdir()) receives the config files and a
 * freshly formatted log directory; Kafka data already there is wiped. `ports` fixes the
 * ports instead of picking free ones (no retry if they are taken).
 * @param {{ log?: Log, dataDir?: string, ports?: { broker: number, controller: number } }} [opts]
 * @returns {Promise<KafkaHandle>}
 */
export async function startKafka({ log = defaultLog, dataDir, ports } = {}) {
  const libsDir = await ensureKafkaJars({ log });
  const dir = dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'beacon-kafka-')));
  await mkdir(dir, { recursive: true });
  const broker = new Broker({ libsDir, dataDir: dir, log });

  const fixedPorts = Boolean(ports);
  for (let attempt = 1; ; attempt++) {
    broker.ports = ports ?? (await pickPorts());
    try {
      await broker.configure();
      await broker.start();
      return broker.handle();
    } catch (err) {
      if (fixedPorts || !broker.bindFailed() || attempt >= 3) {
        if (!dataDir) await rm(dir, { recursive: true, force: true });
        throw err;
      }
      log(
        `Kafka could not bind ports ${broker.ports.broker}/${broker.ports.controller}; retrying with new ones`,
      );
    }
  }
}

class Broker {
  /** @param {{ libsDir: string, dataDir: string, log: Log }} opts */
  constructor({ libsDir, dataDir, log }) {
    this.libsDir = libsDir;
    this.dataDir = dataDir;
    this.log = log;
    /** @type {{ broker: number, controller: number }} */
    this.ports = { broker: 0, controller: 0 };
    /** @type {import('node:child_process').ChildProcess | undefined} */
    this.child = undefined;
    /** @type {Promise<number | null> | undefined} resolves with the exit code */
    this.exited = undefined;
    this.ring = new LineRing(LOG_LINES);
  }

  get brokers() {
    return `127.0.0.1:${this.ports.broker}`;
  }

  get propertiesFile() {
    return path.join(this.dataDir, 'server.properties');
  }

  get log4jFile() {
    return path.join(this.dataDir, 'log4j.properties');
  }

  /** Writes fresh config files and formats an empty log directory. */
  async configure() {
    const logDir = path.join(this.dataDir, 'kraft-logs');
    await rm(logDir, { recursive: true, force: true });
    await writeFile(this.propertiesFile, serverProperties(this.ports, logDir));
    await writeFile(this.log4jFile, LOG4J_PROPERTIES);
    const res = await run(javaBin(), [
      ...this.jvmArgs(),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId(),
      '-c',
      this.propertiesFile,
      '--ignore-formatted',
    ]);
    if (res.code !== 0)
      throw new Error(`Kafka storage format failed (exit ${res.code}):\n${tail(res.output, 40)}`);
  }

  jvmArgs() {
    return [
      ...JVM_OPTS,
      `-Dlog4j.configuration=file:${this.log4jFile}`,
      '-cp',
      `${this.libsDir}/*`,
    ];
  }

  async start() {
    if (this.child) throw new Error(`Kafka is already running (pid ${this.child.pid})`);
    const started = Date.now();
    const { pid } = this.spawn();
    try {
      await this.waitReady(started + START_TIMEOUT_MS);
    } catch (err) {
      await this.kill('SIGKILL');
      throw err;
    }
    this.log(
      `Kafka ${KAFKA_VERSION} ready at ${this.brokers} (pid ${pid}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }

  spawn() {
    const child = spawn(javaBin(), [...this.jvmArgs(), 'kafka.Kafka', this.propertiesFile], {
      cwd: this.dataDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.ring.waiters = [];
    liveChildren.add(child);
    installParentExitHooks();
    this.ring.push(`${START_BANNER} (pid ${child.pid}) ---\n`);
    child.stdout.on('data', (chunk) => this.ring.push(chunk));
    child.stderr.on('data', (chunk) => this.ring.push(chunk));
    this.exited = new Promise((resolve) => {
      child.on('error', (err) => {
        this.ring.push(`spawn error: ${err.message}\n`);
        resolve(null);
      });
      // 'close' rather than 'exit': it comes after the last output, which holds the reason.
      child.on('close', (code, signal) => {
        this.ring.push(`--- broker exited (code ${code}, signal ${signal}) ---\n`);
        resolve(code);
      });
    }).finally(() => {
      liveChildren.delete(child);
      if (this.child === child) this.child = undefined;
    });
    return child;
  }

  /** @param {number} deadline epoch ms */
  async waitReady(deadline) {
    const exited = this.exited;
    const failIfExited = () =>
      exited?.then((code) => {
        throw new Error(
          `Kafka exited (code ${code}) before it was ready. Last log lines:\n${tail(this.logs(), 40)}`,
        );
      });
    const timeout = sleep(Math.max(0, deadline - Date.now()), undefined, { ref: false }).then(
      () => {
        throw new Error(
          `Kafka was not ready within ${START_TIMEOUT_MS / 1000} s. Last log lines:\n${tail(this.logs(), 40)}`,
        );
      },
    );
    await Promise.race([this.ring.waitFor(READY_LINE), failIfExited(), timeout]);
    const gaveUp = new AbortController();
    try {
      await Promise.race([
        describeClusterUntilReady(this.brokers, deadline, gaveUp.signal),
        failIfExited(),
        timeout,
      ]);
    } finally {
      gaveUp.abort();
    }
  }

  /** @param {NodeJS.Signals} [signal] */
  async kill(signal = 'SIGKILL') {
    const { child, exited } = this;
    if (!child || !exited) return;
    child.kill(signal);
    await exited;
  }

  async stop() {
    const { child, exited } = this;
    if (!child || !exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  logs() {
    return this.ring.text();
  }

  /** Whether the latest start failed because a port was taken. */
  bindFailed() {
    const latestRun = this.logs().split(START_BANNER).pop() ?? '';
    return /BindException|Address already in use/.test(latestRun);
  }

  /** @returns {KafkaHandle} */
  handle() {
    const broker = this;
    return {
      brokers: broker.brokers,
      get pid() {
        return broker.child?.pid;
      },
      dataDir: broker.dataDir,
      ports: { ...broker.ports },
      stop: () => broker.stop(),
      kill: (signal) => broker.kill(signal),
      start: () => broker.startOnSamePorts(),
      destroy: async () => {
        await broker.stop();
        await rm(broker.dataDir, { recursive: true, force: true });
      },
      logs: () => broker.logs(),
    };
  }

  /** A port freed by a dying broker can take a moment to be bindable again. */
  async startOnSamePorts() {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.start();
        return;
      } catch (err) {
        if (attempt >= 5 || !this.bindFailed()) throw err;
        await sleep(1000);
      }
    }
  }
}

/**
 * @param {{ broker: number, controller: number }} ports
 * @param {string} logDir
 */
function serverProperties(ports, logDir) {
  return `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${ports.controller}
listeners=PLAINTEXT://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller}
advertised.listeners=PLAINTEXT://127.0.0.1:${ports.broker}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${logDir}
auto.create.topics.enable=false
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
# A broker killed with SIGKILL is let back in only once its old session has timed out
# (default 9 s); a short session keeps kill-and-restart tests quick.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
num.network.threads=2
num.io.threads=2
log.cleaner.dedupe.buffer.size=16777216
`;
}

const LOG4J_PROPERTIES = `log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
`;

/** 16 random bytes, URL-safe base64 without padding; the storage tool rejects a leading '-'. */
function clusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function javaBin() {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

/**
 * Waits until a broker answers kafkajs `admin.describeCluster()`.
 * @param {string} brokers "host:port"
 * @param {{ timeoutMs?: number }} [opts]
 */
export function waitForKafka(brokers, { timeoutMs = START_TIMEOUT_MS } = {}) {
  return describeClusterUntilReady(brokers, Date.now() + timeoutMs);
}

/**
 * @param {string} brokers
 * @param {number} deadline epoch ms
 * @param {AbortSignal} [signal] stops retrying
 */
async function describeClusterUntilReady(brokers, deadline, signal) {
  const mod = await import('kafkajs');
  const { Kafka, logLevel } = mod.default ?? mod;
  const kafka = new Kafka({
    clientId: 'beacon-infra-readiness',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2000,
  });
  let lastError;
  while (Date.now() < deadline && !signal?.aborted) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0) return;
    } catch (err) {
      lastError = err;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await sleep(250);
  }
  throw new Error(`Kafka at ${brokers} did not answer describeCluster: ${lastError}`);
}

// ---------------------------------------------------------------------------
// Child processes must not outlive this process.

/** @type {Set<import('node:child_process').ChildProcess>} */
const liveChildren = new Set();
let hooksInstalled = false;

function killLiveChildren() {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

function installParentExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killLiveChildren);
  for (const signal of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    const onSignal = () => {
      killLiveChildren();
      // A listener changes Node's default (exit on the signal); restore it when ours is
      // the only one, so the process still terminates as the sender meant.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

// ---------------------------------------------------------------------------
// Helpers

/** Keeps the last `max` lines of a stream of chunks and lets callers wait for a line. */
class LineRing {
  /** @param {number} max */
  constructor(max) {
    this.max = max;
    /** @type {string[]} */
    this.lines = [];
    this.partial = '';
    /** @type {{ needle: string, resolve: () => void }[]} */
    this.waiters = [];
  }

  /** @param {Buffer | string} chunk */
  push(chunk) {
    const parts = (this.partial + chunk.toString()).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      this.resolveWaiters(line);
    }
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }

  /** @param {string} line */
  resolveWaiters(line) {
    const matched = this.waiters.filter((w) => line.includes(w.needle));
    if (matched.length === 0) return;
    this.waiters = this.waiters.filter((w) => !matched.includes(w));
    for (const w of matched) w.resolve();
  }

  /**
   * Resolves on the next line that contains `needle`.
   * @param {string} needle
   * @returns {Promise<void>}
   */
  waitFor(needle) {
    return new Promise((resolve) => this.waiters.push({ needle, resolve }));
  }

  text() {
    return [...this.lines, this.partial].filter(Boolean).join('\n');
  }
}

/**
 * Runs a command to completion, collecting stdout and stderr together.
 * @param {string} cmd
 * @param {string[]} args
 * @returns {Promise<{ code: number | null, output: string }>}
 */
function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => resolve({ code: null, output: `${output}${err.message}\n` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * @param {string} text
 * @param {number} n
 */
function tail(text, n) {
  return text.split('\n').slice(-n).join('\n');
}

async function pickPorts() {
  const [broker, controller] = await freePorts(2);
  return { broker, controller };
}

/**
 * Free TCP ports on 127.0.0.1, all distinct. They are only probably free: the broker may
 * still lose a race for them, which startKafka handles by retrying.
 * @param {number} count
 * @returns {Promise<number[]>}
 */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(undefined));
      });
      servers.push(server);
    }
    return servers.map((s) => /** @type {net.AddressInfo} */ (s.address()).port);
  } finally {
    await Promise.all(
      servers.map((s) => new Promise((resolve) => s.close(() => resolve(undefined)))),
    );
  }
}
