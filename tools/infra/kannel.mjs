#!/usr/bin/env node
// Kannel, the open-source SMS gateway NGO deployments run in front of their operators'
// SMSCs, started for tests between Beacon and an SMPP server: bearerbox binds to the SMSC,
// smsbox serves sendsms (Beacon's HTTP SMS route) and forwards replies to a URL of ours.
//
//   node tools/infra/kannel.mjs install          installs the Debian package (as root)
//   node tools/infra/kannel.mjs serve --smsc-port 2775 [--smsc-host 127.0.0.1]
//        [--system-id beacon] [--password secret] [--inbound-url http://kannel:pw@127.0.0.1:3200/v1/sms/kannel/inbound]
//        prints one JSON line ({"sendsmsUrl": …}) once Kannel is bound, runs until SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const BIN_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];
const START_TIMEOUT_MS = 30_000;

/** @typedef {(msg: string) => void} Log */

/** @type {Log} */
const defaultLog = (msg) => {
  process.stderr.write(`[infra] ${msg}\n`);
};

/** @param {string} name */
function findBinary(name) {
  for (const dir of BIN_DIRS) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** @returns {{ bearerbox: string, smsbox: string } | null} */
export function kannelBinaries() {
  const bearerbox = findBinary('bearerbox');
  const smsbox = findBinary('smsbox');
  return bearerbox && smsbox ? { bearerbox, smsbox } : null;
}

/**
 * Makes sure bearerbox and smsbox are installed: the Debian package `kannel`, through
 * apt-get, as root. Fails with what to do otherwise.
 * @param {{ log?: Log }} [opts]
 * @returns {Promise<{ bearerbox: string, smsbox: string }>}
 */
export async function ensureKannelInstalled({ log = defaultLog } = {}) {
  const found = kannelBinaries();
  if (found) return found;
  if (!findBinary('apt-get')) {
    throw new Error(
      'Kannel is not installed and this is not a Debian/Ubuntu system: install the `kannel` package (bearerbox, smsbox) by hand',
    );
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(
      'Kannel is not installed: run `sudo apt-get install -y kannel` (installing it needs root)',
    );
  }
  log('Kannel: installing the Debian package (apt-get install -y kannel)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let result = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'kannel'], {
    env,
    stdio: 'pipe',
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    log('Kannel: package not found in the local index, running apt-get update first');
    spawnSync('apt-get', ['update'], { env, stdio: 'pipe', encoding: 'utf8' });
    result = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'kannel'], {
      env,
      stdio: 'pipe',
      encoding: 'utf8',
    });
  }
  const installed = kannelBinaries();
  if (result.status !== 0 || !installed) {
    throw new Error(
      `installing Kannel failed (apt-get exit ${result.status}):\n${(result.stderr || '').slice(-2000)}`,
    );
  }
  log('Kannel: installed');
  return installed;
}

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object'
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Kannel's config syntax: `key = value`, strings quoted. */
function group(name, entries) {
  const lines = Object.entries(entries)
    .filter(([, value]) => value !== undefined)
    .map(
      ([key, value]) =>
        `${key} = ${typeof value === 'number' ? value : JSON.stringify(String(value))}`,
    );
  return `group = ${name}\n${lines.join('\n')}\n`;
}

/**
 * @typedef {object} KannelHandle
 * @property {string} sendsmsUrl   http://<user>:<password>@127.0.0.1:<port>/cgi-bin/sendsms
 * @property {string} statusUrl    bearerbox's status page (admin password in the query)
 * @property {string} dir          configuration and logs
 * @property {() => Promise<string>} logs   the tail of bearerbox's and smsbox's logs
 * @property {() => Promise<void>} stop
 */

/**
 * Starts bearerbox and smsbox on free ports, bound to the SMSC given, and waits until the
 * SMSC link is online.
 * @param {{
 *   smsc: { host?: string, port: number, systemId: string, password: string },
 *   inboundUrl?: string,
 *   sender?: string,
 *   log?: Log,
 * }} opts
 * @returns {Promise<KannelHandle>}
 */
export async function startKannel({ smsc, inboundUrl, sender = 'Beacon', log = defaultLog }) {
  const { bearerbox, smsbox } = await ensureKannelInstalled({ log });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'beacon-kannel-'));
  const [adminPort, smsboxPort, sendsmsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const adminPassword = randomBytes(12).toString('hex');
  const sendsmsPassword = randomBytes(12).toString('hex');
  const config = [
    group('core', {
      'admin-port': adminPort,
      'admin-password': adminPassword,
      'admin-allow-ip': '127.0.0.1',
      'smsbox-port': smsboxPort,
      'box-allow-ip': '127.0.0.1',
      'log-file': path.join(dir, 'bearerbox.log'),
      'log-level': 1,
      'access-log': path.join(dir, 'access.log'),
      'dlr-storage': 'internal',
      'sms-resend-retry': 0,
    }),
    group('smsc', {
      smsc: 'smpp',
      'smsc-id': 'sim',
      host: smsc.host ?? '127.0.0.1',
      port: smsc.port,
      'transceiver-mode': 'true',
      'smsc-username': smsc.systemId,
      'smsc-password': smsc.password,
      'system-type': '',
      'source-addr-autodetect': 'true',
      'dest-addr-ton': 1,
      'dest-addr-npi': 1,
      'enquire-link-interval': 30,
      'reconnect-delay': 1,
    }),
    group('smsbox', {
      'bearerbox-host': '127.0.0.1',
      'bearerbox-port': smsboxPort,
      'sendsms-port': sendsmsPort,
      'sendsms-interface': '127.0.0.1',
      'log-file': path.join(dir, 'smsbox.log'),
      'log-level': 1,
      'mo-recode': 'true',
      'global-sender': sender,
    }),
    group('sendsms-user', {
      username: 'beacon',
      password: sendsmsPassword,
      'max-messages': 10,
      concatenation: 'true',
      'user-allow-ip': '127.0.0.1',
    }),
    inboundUrl
      ? group('sms-service', {
          keyword: 'default',
          'catch-all': 'true',
          'post-url': inboundUrl,
          'max-messages': 0,
          'omit-empty': 'true',
          // Otherwise Kannel leaves out X-Kannel-From, and a reply cannot be tied to its phone.
          'send-sender': 'true',
        })
      : '',
  ].join('\n');
  const file = path.join(dir, 'kannel.conf');
  await writeFile(file, config, { mode: 0o600 });

  /** @type {import('node:child_process').ChildProcess[]} */
  const children = [];
  const startBox = (binary) => {
    const child = spawn(binary, [file], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.resume();
    children.push(child);
    return child;
  };

  const logs = async () => {
    const tail = async (name) =>
      (await readFile(path.join(dir, name), 'utf8').catch(() => ''))
        .split('\n')
        .slice(-60)
        .join('\n');
    return `--- bearerbox.log ---\n${await tail('bearerbox.log')}\n--- smsbox.log ---\n${await tail('smsbox.log')}`;
  };

  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
            child.once('exit', () => resolve(undefined));
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };

  const statusUrl = `http://127.0.0.1:${adminPort}/status.txt?password=${adminPassword}`;
  const started = Date.now();
  try {
    startBox(bearerbox);
    // smsbox connects to bearerbox's smsbox port; start it once that port listens.
    await waitUntil(() => portOpen(smsboxPort), 'bearerbox to listen');
    startBox(smsbox);
    await waitUntil(async () => {
      const response = await fetch(statusUrl).catch(() => null);
      const text = response && response.ok ? await response.text() : '';
      return /sim\[sim\]\s+SMPP:[^\n]*\(online/i.test(text) || /SMPP:[^\n]*\(online/i.test(text);
    }, 'the SMSC link to come online');
    await waitUntil(() => portOpen(sendsmsPort), 'smsbox to serve sendsms');
  } catch (error) {
    const detail = await logs();
    await stop();
    throw new Error(`Kannel did not start: ${error.message}\n${detail}`);
  }
  log(
    `Kannel ready in ${((Date.now() - started) / 1000).toFixed(1)} s (sendsms on ${sendsmsPort})`,
  );
  return {
    sendsmsUrl: `http://beacon:${sendsmsPassword}@127.0.0.1:${sendsmsPort}/cgi-bin/sendsms`,
    statusUrl,
    dir,
    logs,
    stop,
  };
}

/** @param {number} port */
function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * @param {() => Promise<boolean> | boolean} probe
 * @param {string} what
 */
async function waitUntil(probe, what) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** @param {string[]} argv */
function options(argv) {
  /** @type {Record<string, string>} */
  const out = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg?.startsWith('--')) out[arg.slice(2)] = argv[i + 1] ?? '';
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'install') {
    await ensureKannelInstalled();
  } else if (command === 'serve') {
    const opts = options(rest);
    if (!opts['smsc-port']) {
      process.stderr.write(
        'usage: kannel.mjs serve --smsc-port <port> [--smsc-host h] [--system-id id] [--password pw] [--inbound-url url]\n',
      );
      process.exit(64);
    }
    const kannel = await startKannel({
      smsc: {
        host: opts['smsc-host'] ?? '127.0.0.1',
        port: Number(opts['smsc-port']),
        systemId: opts['system-id'] ?? 'beacon',
        password: opts.password ?? 'simpass',
      },
      inboundUrl: opts['inbound-url'] || undefined,
      log: defaultLog,
    });
    process.stdout.write(
      `${JSON.stringify({ sendsmsUrl: kannel.sendsmsUrl, statusUrl: kannel.statusUrl, dir: kannel.dir })}\n`,
    );
    const shutdown = () => void kannel.stop().finally(() => process.exit(0));
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
    // The parent (a test) may die without signalling: stop with it.
    process.stdin.resume();
    process.stdin.once('end', shutdown);
  } else {
    process.stderr.write('usage: kannel.mjs install | serve --smsc-port <port> …\n');
    process.exit(64);
  }
}
