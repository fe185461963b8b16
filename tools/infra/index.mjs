// Finds or starts the services Beacon needs, preferring what costs least:
// what the environment names, then local processes, then Testcontainers.
import { spawn } from 'node:child_process';
import { kafkaJarsCached, startKafka, waitForKafka } from './kafka.mjs';
import { ensurePostgres, stopStartedCluster } from './postgres.mjs';

export { startKafka, ensureKafkaJars, waitForKafka } from './kafka.mjs';
export {
  ensurePostgres,
  stopStartedCluster,
  createDatabase,
  dropDatabase,
  databaseUrl,
} from './postgres.mjs';
export { startSmtpSink } from './smtp-sink.mjs';

const COMMAND_TIMEOUT_MS = 20_000;

/** @typedef {(msg: string) => void} Log */

/** @type {Log} */
const defaultLog = (msg) => {
  process.stderr.write(`[infra] ${msg}\n`);
};

/**
 * @typedef {object} Infrastructure
 * @property {{ KAFKA_BROKERS?: string, DATABASE_URL?: string }} env  the variables to hand to the apps
 * @property {import('./kafka.mjs').KafkaHandle | import('./containers.mjs').KafkaContainerHandle | null} kafka
 *   the broker this call started, or null when it came from KAFKA_BROKERS (or was not asked for)
 * @property {() => Promise<void>} stop  stops what this call started; the local PostgreSQL cluster
 *   only with `stopStartedPostgres`
 */

/**
 * @param {{ kafka?: boolean, postgres?: boolean, stopStartedPostgres?: boolean, log?: Log }} [opts]
 *   `stopStartedPostgres`: whether `stop` also stops the local PostgreSQL cluster if this call
 *   started it and no other client is connected to it then; otherwise it is left running
 * @returns {Promise<Infrastructure>}
 */
export async function resolveInfrastructure({
  kafka = true,
  postgres = true,
  stopStartedPostgres = false,
  log = defaultLog,
} = {}) {
  const [kafkaResult, postgresResult] = await Promise.allSettled([
    kafka ? resolveKafka(log) : Promise.resolve(null),
    postgres ? resolvePostgres(log, stopStartedPostgres) : Promise.resolve(null),
  ]);
  const kafkaService = kafkaResult.status === 'fulfilled' ? kafkaResult.value : null;
  const postgresService = postgresResult.status === 'fulfilled' ? postgresResult.value : null;

  const stop = async () => {
    await Promise.all([kafkaService?.handle?.destroy(), postgresService?.stop?.()]);
  };

  const failures = [kafkaResult, postgresResult].filter((r) => r.status === 'rejected');
  if (failures.length > 0) {
    await stop().catch(() => {});
    const messages = failures.map((f) => {
      const reason = /** @type {PromiseRejectedResult} */ (f).reason;
      return reason instanceof Error ? reason.message : String(reason);
    });
    throw new Error(messages.join('\n'));
  }

  /** @type {Infrastructure['env']} */
  const env = {};
  if (kafkaService) env.KAFKA_BROKERS = kafkaService.brokers;
  if (postgresService) env.DATABASE_URL = postgresService.url;
  return { env, kafka: kafkaService?.handle ?? null, stop };
}

/**
 * @param {Log} log
 * @returns {Promise<{ brokers: string, handle: import('./kafka.mjs').KafkaHandle | import('./containers.mjs').KafkaContainerHandle | null }>}
 */
async function resolveKafka(log) {
  const named = process.env.KAFKA_BROKERS;
  if (named) {
    log(`Kafka: using KAFKA_BROKERS=${named}`);
    await waitForKafka(named.split(',')[0].trim(), { timeoutMs: 15_000 }).catch((err) => {
      throw new Error(`No Kafka: KAFKA_BROKERS=${named} does not answer (${err.message})`);
    });
    return { brokers: named, handle: null };
  }
  if (
    (await hasCommand('java', ['-version'])) &&
    (kafkaJarsCached() || (await hasCommand('mvn', ['-v'])))
  ) {
    log('Kafka: starting a local broker (Java + Maven)');
    const handle = await startKafka({ log });
    return { brokers: handle.brokers, handle };
  }
  if (await dockerEngineAnswers()) {
    log('Kafka: no Java/Maven, starting a container (Testcontainers)');
    const { startKafkaContainer } = await import('./containers.mjs');
    const handle = await startKafkaContainer({ log });
    return { brokers: handle.brokers, handle };
  }
  throw new Error(
    'No Kafka: set KAFKA_BROKERS, or install Java 17 + Maven, or run a Docker engine',
  );
}

/**
 * @param {Log} log
 * @param {boolean} stopStarted
 * @returns {Promise<{ url: string, stop?: () => Promise<unknown> }>}
 */
async function resolvePostgres(log, stopStarted) {
  if (process.env.DATABASE_URL) {
    log('PostgreSQL: using DATABASE_URL');
    return ensurePostgres({ log });
  }
  let localError;
  try {
    const { url, startedCluster } = await ensurePostgres({ log });
    if (!stopStarted || !startedCluster) return { url };
    return { url, stop: () => stopStartedCluster(startedCluster, { log }) };
  } catch (err) {
    localError = /** @type {Error} */ (err);
  }
  if (await dockerEngineAnswers()) {
    log(
      `PostgreSQL: no local server (${localError.message.split('\n')[0]}); starting a container (Testcontainers)`,
    );
    const { startPostgresContainer } = await import('./containers.mjs');
    return startPostgresContainer({ log });
  }
  throw new Error(
    'No PostgreSQL: set DATABASE_URL, or install PostgreSQL 15 locally, or run a Docker engine. ' +
      `(Local attempt: ${localError.message})`,
  );
}

/** @type {Promise<boolean> | undefined} */
let dockerCheck;
function dockerEngineAnswers() {
  dockerCheck ??= hasCommand('docker', ['info']);
  return dockerCheck;
}

/**
 * Whether `cmd args` runs and exits 0 (within 20 s). Output is discarded.
 * @param {string} cmd
 * @param {string[]} [args]
 * @returns {Promise<boolean>}
 */
export function hasCommand(cmd, args = []) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore', timeout: COMMAND_TIMEOUT_MS });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}
