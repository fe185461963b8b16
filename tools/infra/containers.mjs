// Fallback for machines with a Docker engine but without Java and Maven: the same
// services from Testcontainers. Container ports are remapped on every start, so these
// handles cannot restart on the same address the way the local broker can.
import { waitForKafka } from './kafka.mjs';

const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.7.1';
const POSTGRES_IMAGE = 'postgres:15-alpine';
/** The plaintext listener KafkaContainer exposes to the host. */
const KAFKA_CLIENT_PORT = 9093;

/** @typedef {(msg: string) => void} Log */

/** @type {Log} */
const defaultLog = (msg) => {
  process.stderr.write(`[infra] ${msg}\n`);
};

/**
 * @typedef {object} KafkaContainerHandle
 * @property {string} brokers                "host:port"
 * @property {undefined} pid
 * @property {undefined} dataDir
 * @property {() => Promise<void>} stop      stops and removes the container
 * @property {() => Promise<void>} destroy   same as stop
 * @property {() => Promise<never>} kill     unsupported: rejects
 * @property {() => Promise<never>} start    unsupported: rejects
 * @property {() => string} logs             unsupported: a note where to look instead
 * @property {import('@testcontainers/kafka').StartedKafkaContainer} container
 */

/**
 * Starts Kafka (Confluent Platform 7.7.1 = Apache Kafka 3.7, KRaft) in a container,
 * configured like the local broker.
 * @param {{ log?: Log }} [opts]
 * @returns {Promise<KafkaContainerHandle>}
 */
export async function startKafkaContainer({ log = defaultLog } = {}) {
  const { KafkaContainer } = await importCjs('@testcontainers/kafka');
  log(`starting ${KAFKA_IMAGE} with Testcontainers`);
  /** @type {import('@testcontainers/kafka').StartedKafkaContainer} */
  const container = await new KafkaContainer(KAFKA_IMAGE)
    .withKraft()
    .withEnvironment({
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_NUM_PARTITIONS: '3',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS: '1',
    })
    .start();
  const brokers = `${container.getHost()}:${container.getMappedPort(KAFKA_CLIENT_PORT)}`;
  try {
    await waitForKafka(brokers, { timeoutMs: 60_000 });
  } catch (err) {
    await container.stop().catch(() => {});
    throw err;
  }
  log(`Kafka container ${container.getId().slice(0, 12)} ready at ${brokers}`);

  const stop = async () => {
    await container.stop();
  };
  const unsupported = (/** @type {string} */ what) => () =>
    Promise.reject(
      new Error(`${what}() is not supported for a Kafka container (its ports change on restart)`),
    );
  return {
    brokers,
    pid: undefined,
    dataDir: undefined,
    stop,
    destroy: stop,
    kill: unsupported('kill'),
    start: unsupported('start'),
    logs: () => `logs of container ${container.getId()}: docker logs ${container.getId()}`,
    container,
  };
}

/**
 * Starts PostgreSQL 15 in a container. The user is the superuser `postgres`, like the
 * local cluster, so createDatabase/dropDatabase work with the URL.
 * @param {{ log?: Log }} [opts]
 * @returns {Promise<{ url: string, stop: () => Promise<void>, container: import('@testcontainers/postgresql').StartedPostgreSqlContainer }>}
 */
export async function startPostgresContainer({ log = defaultLog } = {}) {
  const { PostgreSqlContainer } = await importCjs('@testcontainers/postgresql');
  log(`starting ${POSTGRES_IMAGE} with Testcontainers`);
  /** @type {import('@testcontainers/postgresql').StartedPostgreSqlContainer} */
  const container = await new PostgreSqlContainer(POSTGRES_IMAGE)
    .withDatabase('postgres')
    .withUsername('postgres')
    .withPassword('postgres')
    .start();
  const url = container.getConnectionUri();
  log(
    `PostgreSQL container ${container.getId().slice(0, 12)} ready at ${container.getHost()}:${container.getPort()}`,
  );
  return {
    url,
    stop: async () => {
      await container.stop();
    },
    container,
  };
}

/**
 * These packages are CommonJS; their named exports may or may not be detected by Node's
 * ESM loader, so fall back to the default export.
 * @param {string} specifier
 */
async function importCjs(specifier) {
  const mod = await import(specifier);
  return mod.default ?? mod;
}
