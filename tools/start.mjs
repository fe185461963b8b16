#!/usr/bin/env node
// `npm start`: the whole stack on one machine. Installs dependencies if missing, starts (or
// uses) Kafka, PostgreSQL and an SMTP sink, builds and starts the four services, and prints
// where everything is. Ctrl-C stops everything it started.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './ensure-deps.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const startedAt = Date.now();
const log = (msg) => process.stdout.write(`[beacon] ${msg}\n`);

ensureDependencies(root);
const { resolveInfrastructure, startSmtpSink, createDatabase } = await import('./infra/index.mjs');

/** Development secrets live outside the repository and survive restarts (encrypted data stays readable). */
function devSecrets() {
  const dir = path.join(process.env.XDG_CONFIG_HOME ?? path.join(homedir(), '.config'), 'beacon');
  const file = path.join(dir, 'dev-secrets.json');
  const fresh = {
    PERSON_HMAC_KEY: randomBytes(32).toString('base64'),
    VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`,
    DEV_API_KEY: `bk_dev_${randomBytes(32).toString('base64url')}`,
    AUTH_ACCESS_TOKEN_KEYS: `at1:${randomBytes(32).toString('base64')}`,
    AUTH_TOTP_KEYS: `tk1:${randomBytes(32).toString('base64')}`,
    ACK_LINK_SECRET: randomBytes(32).toString('base64url'),
    CONSOLE_SERVICE_TOKEN: randomBytes(32).toString('base64url'),
  };
  const stored = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  // A file from an older version keeps its secrets and gains the ones added since.
  const secrets = { ...fresh, ...stored };
  if (Object.keys(fresh).some((name) => !(name in stored))) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}

function saveSecrets(secrets) {
  const file = path.join(process.env.XDG_CONFIG_HOME ?? path.join(homedir(), '.config'), 'beacon', 'dev-secrets.json');
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
}

/**
 * A development admin account, created once with `beacon users create` and remembered beside the
 * other development secrets; null when the account exists but this machine does not know it.
 */
function devAdmin(secrets, env) {
  const cli = path.join(root, 'dist', 'services', 'ops-console', 'src', 'cli.js');
  const run = (...args) => spawnSync(process.execPath, [cli, ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  const exists = /^dev-admin\t/m.test(run('users', 'list').stdout ?? '');
  if (exists) return secrets.DEV_ADMIN ?? null;
  const created = run('users', 'create', 'dev-admin', '--role', 'admin', '--regions', '*');
  const field = (name) => new RegExp(`^${name}:\\s+(\\S+)$`, 'm').exec(created.stdout ?? '')?.[1];
  if (created.status !== 0 || !field('password')) throw new Error(`cannot create the development admin: ${created.stderr}`);
  secrets.DEV_ADMIN = { username: 'dev-admin', password: field('password'), totpUri: field('totp uri') };
  saveSecrets(secrets);
  return secrets.DEV_ADMIN;
}

const children = [];
let infra = null;
let sink = null;
let stopping = false;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  await sink?.stop().catch(() => {});
  await infra?.stop().catch(() => {});
  log('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

function startService(name, env, port) {
  const child = spawn(process.execPath, [path.join(root, 'dist', 'services', name, 'src', 'main.js')], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name}] `;
  const pipe = (stream, out) => {
    let buffer = '';
    stream.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) out.write(prefix + line + '\n');
    });
  };
  pipe(child.stdout, process.stdout);
  pipe(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${name} exited (${signal ?? code}); stopping the stack`);
      void shutdown(1);
    }
  });
  children.push({ name, child, port });
  return child;
}

async function waitReady(name, port) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (stopping) return;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} did not become ready on port ${port}`);
}

try {
  log('building services…');
  const build = spawnSync(process.execPath, [path.join(root, 'tools', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');

  // Ctrl-C stops the local PostgreSQL too if this run started it and nothing else uses it then.
  infra = await resolveInfrastructure({ stopStartedPostgres: true });
  let databaseUrl = infra.env.DATABASE_URL;
  if (!process.env.DATABASE_URL) {
    // The local server's admin URL: give Beacon a database of its own.
    await createDatabase(databaseUrl, 'beacon').catch((error) => {
      if (!/already exists/.test(error.message)) throw error;
    });
    const url = new URL(databaseUrl);
    url.pathname = '/beacon';
    databaseUrl = url.toString();
  }
  let smtpUrl = process.env.SMTP_URL;
  let mailUi = null;
  if (!smtpUrl) {
    sink = await startSmtpSink({ port: Number(process.env.SMTP_SINK_PORT ?? 1025), webPort: Number(process.env.MAIL_UI_PORT ?? 8025) });
    smtpUrl = sink.url;
    mailUi = sink.webUrl;
  }

  const secrets = devSecrets();
  const ports = {
    console: Number(process.env.CONSOLE_PORT ?? 3000),
    intake: Number(process.env.INTAKE_PORT ?? 3100),
    dispatcher: Number(process.env.DISPATCHER_PORT ?? 3200),
    projector: Number(process.env.PROJECTOR_PORT ?? 3300),
  };
  const shared = { DATABASE_URL: databaseUrl, KAFKA_BROKERS: infra.env.KAFKA_BROKERS };
  startService('intake-api', { ...shared, PERSON_HMAC_KEY: secrets.PERSON_HMAC_KEY, VAULT_MASTER_KEYS: secrets.VAULT_MASTER_KEYS, DEV_API_KEY: secrets.DEV_API_KEY }, ports.intake);
  await waitReady('intake-api', ports.intake);
  startService('case-projector', shared, ports.projector);
  startService(
    'alert-dispatcher',
    {
      ...shared,
      SMTP_URL: smtpUrl,
      PUBLIC_CONSOLE_URL: `http://localhost:${ports.console}`,
      PUBLIC_DISPATCHER_URL: `http://localhost:${ports.dispatcher}`,
      ACK_LINK_SECRET: secrets.ACK_LINK_SECRET,
      CONSOLE_SERVICE_TOKEN: secrets.CONSOLE_SERVICE_TOKEN,
    },
    ports.dispatcher,
  );
  const consoleSecrets = {
    VAULT_MASTER_KEYS: secrets.VAULT_MASTER_KEYS,
    AUTH_ACCESS_TOKEN_KEYS: secrets.AUTH_ACCESS_TOKEN_KEYS,
    AUTH_TOTP_KEYS: secrets.AUTH_TOTP_KEYS,
  };
  startService(
    'ops-console',
    {
      ...shared,
      ...consoleSecrets,
      ALERT_DISPATCHER_URL: `http://console:${secrets.CONSOLE_SERVICE_TOKEN}@127.0.0.1:${ports.dispatcher}`,
    },
    ports.console,
  );
  await Promise.all([
    waitReady('case-projector', ports.projector),
    waitReady('alert-dispatcher', ports.dispatcher),
    waitReady('ops-console', ports.console),
  ]);
  const admin = devAdmin(secrets, { DATABASE_URL: databaseUrl, ...consoleSecrets });

  const sample = JSON.stringify({
    occurredAt: new Date().toISOString(),
    timeBand: 'night',
    region: 'almaty',
    source: { role: 'family', reliability: 'credible', channel: 'call', language: 'ru' },
    recordedBy: 'operator-1',
    persons: [{ name: 'Test Person', registrationNumber: '000-00C00001', unhcrStatus: 'refugee' }],
    facts: [{ type: 'detention-reported', place: { region: 'almaty' }, authority: 'unidentified-armed-men', manner: 'home-raid', statedReason: 'none-given' }],
  });
  process.stdout.write(`
Beacon is ready (${((Date.now() - startedAt) / 1000).toFixed(1)} s)

  ops-console       http://localhost:${ports.console}/console     (web console; API: log in at /v1/auth/login, then GET /v1/cases/:id)
  intake-api        http://localhost:${ports.intake}     (POST /v1/reports)
  alert-dispatcher  http://localhost:${ports.dispatcher}     (health)
  case-projector    http://localhost:${ports.projector}     (health)
  Kafka             ${infra.env.KAFKA_BROKERS}
  PostgreSQL        ${databaseUrl.replace(/\/\/[^@]*@/, '//')}
  SMTP              ${smtpUrl}${mailUi ? `   mail received: ${mailUi}` : ''}

Report a detention (development hotline key):

  curl -i -X POST http://localhost:${ports.intake}/v1/reports \\
    -H 'Authorization: Bearer ${secrets.DEV_API_KEY}' \\
    -H 'Content-Type: application/json' -H "Idempotency-Key: try-$(date +%s)" \\
    -d '${sample}'

Then log in to the console as the development admin (its TOTP secret is for an authenticator app):
${
  admin
    ? `
  username dev-admin, password ${admin.password}
  TOTP     ${admin.totpUri}

  curl -X POST http://localhost:${ports.console}/v1/auth/login -H 'Content-Type: application/json' \\
    -d '{"username":"dev-admin","password":"${admin.password}","totp":"<6-digit code>"}'
  curl -H 'Authorization: Bearer <accessToken>' http://localhost:${ports.console}/v1/cases/<caseId>`
    : `
  dev-admin exists but its password is not in ~/.config/beacon/dev-secrets.json: create another with
  npm run beacon -- users create <name> --role admin --regions '*'   (with the console's environment)`
}
Ctrl-C stops everything.
`);
} catch (error) {
  process.stderr.write(`\n[beacon] could not start: ${error.message}\n`);
  await shutdown(1);
}
