// PostgreSQL for local runs and tests: a given URL, or the machine's own cluster.
import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

const START_WAIT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 3000;
/** How long the connections of services just stopped get to go before they count as others'. */
const CLIENTS_GONE_WAIT_MS = 3000;

/** @typedef {(msg: string) => void} Log */

/** @type {Log} */
const defaultLog = (msg) => {
  process.stderr.write(`[infra] ${msg}\n`);
};

/** @typedef {{ version: string, name: string }} LocalCluster */

/**
 * Finds a reachable PostgreSQL server. A URL given (or DATABASE_URL) is only verified;
 * otherwise the local cluster is tried, and started with pg_ctlcluster if it is down.
 * @param {{ log?: Log, url?: string }} [opts]
 * @returns {Promise<{ url: string, startedCluster?: LocalCluster }>} `startedCluster` names the
 *   local cluster this call started, which `stopStartedCluster` may stop again
 */
export async function ensurePostgres({ log = defaultLog, url } = {}) {
  const named = url ?? process.env.DATABASE_URL;
  if (named) {
    const err = await connectError(named);
    const source = url ? 'given URL' : 'DATABASE_URL';
    if (err)
      throw new Error(
        `PostgreSQL at ${redact(named)} (${source}) is not reachable: ${err.message}`,
      );
    return { url: named };
  }

  if (!(await connectError(DEFAULT_POSTGRES_URL))) return { url: DEFAULT_POSTGRES_URL };

  const version = localClusterVersion();
  if (!version || !onPath('pg_ctlcluster')) {
    throw new Error(
      `No PostgreSQL: nothing answers at ${DEFAULT_POSTGRES_URL} and there is no local cluster to start ` +
        '(pg_ctlcluster and /etc/postgresql/<version> are missing). Install PostgreSQL 15 ' +
        '(apt-get install postgresql) or set DATABASE_URL=postgres://user:password@host:port/database.',
    );
  }

  log(`starting local PostgreSQL ${version} cluster "main" with pg_ctlcluster`);
  await commandSucceeds('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
  const lastError = await waitForConnection(DEFAULT_POSTGRES_URL, START_WAIT_MS);
  if (lastError) {
    throw new Error(
      `No PostgreSQL: started cluster ${version}/main but ${DEFAULT_POSTGRES_URL} still fails after ` +
        `${START_WAIT_MS / 1000} s (${lastError.message}). It needs to listen on 127.0.0.1:5432 with trust ` +
        'auth for user postgres; or set DATABASE_URL=postgres://user:password@host:port/database.',
    );
  }
  return { url: DEFAULT_POSTGRES_URL, startedCluster: { version, name: 'main' } };
}

/**
 * Stops a local cluster `ensurePostgres` started, unless another client is connected to it
 * (another `npm start`, a test run, a psql session): then it keeps running, and one line says so.
 * @param {LocalCluster} cluster
 * @param {{ log?: Log, url?: string }} [opts]
 * @returns {Promise<boolean>} whether it was stopped
 */
export async function stopStartedCluster(
  cluster,
  { log = defaultLog, url = DEFAULT_POSTGRES_URL } = {},
) {
  const label = `local PostgreSQL ${cluster.version} cluster "${cluster.name}"`;
  let others;
  try {
    // The connections of the services just stopped may take a moment to go.
    others = await otherClients(url);
    const deadline = Date.now() + CLIENTS_GONE_WAIT_MS;
    while (others.count > 0 && Date.now() < deadline) {
      await sleep(250);
      others = await otherClients(url);
    }
  } catch (err) {
    const reason = /** @type {Error} */ (err).message;
    log(`leaving the ${label} as it is: cannot ask it who is connected (${reason})`);
    return false;
  }
  if (others.count > 0) {
    const who = others.count === 1 ? '1 other client is' : `${others.count} other clients are`;
    const { databases } = others;
    const named = databases.length > 3 ? [...databases.slice(0, 3), '…'] : databases;
    log(
      `leaving the ${label} running, although this run started it: ${who} connected to it ` +
        `(database${databases.length === 1 ? '' : 's'} ${named.join(', ')})`,
    );
    return false;
  }
  const stop = ['--skip-systemctl-redirect', cluster.version, cluster.name, 'stop'];
  if (!(await commandSucceeds('pg_ctlcluster', stop))) {
    log(`could not stop the ${label} this run started: pg_ctlcluster stop failed`);
    return false;
  }
  log(`stopped the ${label}, which this run started and no other client was using`);
  return true;
}

/**
 * Client connections to the server other than the one asking (not its own background
 * processes), and the databases they use.
 * @param {string} url
 * @returns {Promise<{ count: number, databases: string[] }>}
 */
async function otherClients(url) {
  const { rows } = await withClient(url, (client) =>
    client.query(
      `SELECT count(*)::int AS count, coalesce(array_agg(DISTINCT datname::text), '{}') AS databases
       FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
    ),
  );
  return rows[0];
}

/**
 * Returns `adminUrl` pointing at database `name` instead.
 * @param {string} adminUrl
 * @param {string} name
 */
export function databaseUrl(adminUrl, name) {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

/**
 * @param {string} adminUrl a URL whose user may create databases
 * @param {string} name
 */
export async function createDatabase(adminUrl, name) {
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${quoteIdent(name)}`));
}

/**
 * Drops the database even while clients are still connected to it.
 * @param {string} adminUrl
 * @param {string} name
 */
export async function dropDatabase(adminUrl, name) {
  await withClient(adminUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
  );
}

/** @param {string} name */
function quoteIdent(name) {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * @template T
 * @param {string} url
 * @param {(client: import('pg').Client) => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function withClient(url, fn) {
  const mod = await import('pg');
  const { Client } = mod.default ?? mod;
  const client = new Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // Errors while connecting or querying reject below; this only keeps a late socket
  // error (server shutting down) from crashing the process.
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * @param {string} url
 * @returns {Promise<Error | undefined>} why it can't be used, or undefined if it can
 */
async function connectError(url) {
  try {
    await withClient(url, (client) => client.query('SELECT 1'));
    return undefined;
  } catch (err) {
    return /** @type {Error} */ (err);
  }
}

/**
 * @param {string} url
 * @param {number} waitMs
 * @returns {Promise<Error | undefined>} the last error, or undefined once connected
 */
async function waitForConnection(url, waitMs) {
  const deadline = Date.now() + waitMs;
  let lastError;
  while (Date.now() < deadline) {
    lastError = await connectError(url);
    if (!lastError) return undefined;
    await sleep(500);
  }
  return lastError;
}

/** @returns {string | undefined} the highest version under /etc/postgresql */
function localClusterVersion() {
  try {
    const versions = readdirSync('/etc/postgresql').filter((v) => /^\d+(\.\d+)?$/.test(v));
    return versions.sort((a, b) => Number(b) - Number(a))[0];
  } catch {
    return undefined;
  }
}

/** @param {string} cmd */
function onPath(cmd) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * @param {string} cmd
 * @param {string[]} args
 * @returns {Promise<boolean>}
 */
function commandSucceeds(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** @param {string} url */
function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable URL>';
  }
}
