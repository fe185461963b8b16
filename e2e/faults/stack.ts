import { freePort, spawnService, startService, waitFor, type ServiceName, type ServiceProcess } from '@beacon/testing';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { consoleSecrets } from '../src/security-accounts';

const root = path.resolve(__dirname, '../..');

/** E-mail only, no escalation within a run: every e-mail is the first page of one alert. */
export const FAULTS_ROUTING = path.join(__dirname, 'routing.faults.yaml');

export interface StackInfrastructure {
  databaseUrl: string;
  brokers: string;
  smtpUrl: string;
  /** Topic prefix: the suite's own topics on a shared broker. */
  prefix: string;
}

/**
 * Beacon's four services as processes from dist/, any number of instances of each, sharing
 * one database, one topic and one consumer group per service, with the secrets a deployment
 * has (vault master key, person HMAC key, acknowledgement-link secret, console service token)
 * and a hotline key issued with the admin CLI.
 */
export class BeaconStack {
  readonly instances: Record<ServiceName, ServiceProcess[]> = {
    'intake-api': [],
    'case-projector': [],
    'alert-dispatcher': [],
    'ops-console': [],
  };
  /** Every process ever started, to stop them all at the end whatever happened. */
  private readonly everything: ServiceProcess[] = [];
  private readonly secrets = {
    personHmacKey: randomBytes(32).toString('base64'),
    vaultMasterKeys: `mk1:${randomBytes(32).toString('base64')}`,
    ackLinkSecret: randomBytes(32).toString('base64url'),
    serviceToken: randomBytes(32).toString('base64url'),
    console: consoleSecrets(),
  };
  private dispatcherPort = 0;
  private consolePort = 0;
  private readonly portsGiven = new Set<ServiceName>();
  hotlineKey = '';

  constructor(
    readonly infra: StackInfrastructure,
    private readonly overrides: Partial<Record<ServiceName, Record<string, string>>> = {},
  ) {}

  env(name: ServiceName): Record<string, string> {
    const { databaseUrl, brokers, prefix, smtpUrl } = this.infra;
    const kafka = { DATABASE_URL: databaseUrl, KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' };
    switch (name) {
      case 'intake-api':
        return {
          ...kafka,
          PERSON_HMAC_KEY: this.secrets.personHmacKey,
          VAULT_MASTER_KEYS: this.secrets.vaultMasterKeys,
          // A request that died with the database must not block its retry for the default 30 s.
          IDEMPOTENCY_CLAIM_SECONDS: '5',
          ...this.overrides['intake-api'],
        };
      case 'case-projector':
        return { ...kafka, ...this.overrides['case-projector'] };
      case 'alert-dispatcher':
        return {
          ...kafka,
          SMTP_URL: smtpUrl,
          ROUTING_CONFIG_PATH: FAULTS_ROUTING,
          PUBLIC_CONSOLE_URL: `http://127.0.0.1:${this.consolePort}`,
          PUBLIC_DISPATCHER_URL: `http://127.0.0.1:${this.dispatcherPort}`,
          ACK_LINK_SECRET: this.secrets.ackLinkSecret,
          CONSOLE_SERVICE_TOKEN: this.secrets.serviceToken,
          ...this.overrides['alert-dispatcher'],
        };
      case 'ops-console':
        return {
          DATABASE_URL: databaseUrl,
          VAULT_MASTER_KEYS: this.secrets.vaultMasterKeys,
          ALERT_DISPATCHER_URL: `http://console:${this.secrets.serviceToken}@127.0.0.1:${this.dispatcherPort}`,
          LOG_LEVEL: 'warn',
          ...this.secrets.console,
          ...this.overrides['ops-console'],
        };
    }
  }

  /**
   * Starts `count` instances of every service. Intake goes first: it creates the topic and the
   * others consume it. The hotline key is issued once intake has migrated its schema.
   */
  async start(count = 1): Promise<void> {
    [this.dispatcherPort, this.consolePort] = await Promise.all([freePort(), freePort()]);
    for (let i = 0; i < count; i++) await this.add('intake-api');
    this.hotlineKey = this.issueHotlineKey();
    for (const name of ['case-projector', 'alert-dispatcher', 'ops-console'] as const) {
      await Promise.all(Array.from({ length: count }, () => this.add(name)));
    }
  }

  /** One more instance of a service, ready (health) before this returns. */
  async add(name: ServiceName): Promise<ServiceProcess> {
    const port = await this.portFor(name);
    const service = await startService(name, this.env(name), port);
    this.instances[name].push(service);
    this.everything.push(service);
    return service;
  }

  /** SIGKILLs instance `index` of a service and starts a replacement without waiting for it. */
  async crash(name: ServiceName, index = 0): Promise<void> {
    const victim = this.instances[name][index];
    if (!victim) throw new Error(`no instance ${index} of ${name}`);
    victim.child.kill('SIGKILL');
    await victim.exited;
    const replacement = spawnService(name, this.env(name), victim.port);
    this.instances[name][index] = replacement;
    this.everything.push(replacement);
  }

  /** Waits until every current instance answers its readiness probe. */
  async ready(timeoutMs = 120_000): Promise<void> {
    for (const service of Object.values(this.instances).flat()) {
      await waitFor(
        async () => {
          if (service.child.exitCode !== null || service.child.signalCode !== null) {
            throw new Error(`${service.name} exited:\n${service.output().slice(-3_000)}`);
          }
          return (await fetch(`${service.baseUrl}/health/live`)).ok;
        },
        { timeoutMs, intervalMs: 250, what: `${service.name} on port ${service.port} to answer` },
      );
    }
  }

  /** Services that died on their own (not by a crash this suite caused): each is a finding. */
  deaths(): string[] {
    return Object.values(this.instances)
      .flat()
      .filter((s) => s.child.exitCode !== null || s.child.signalCode !== null)
      .map((s) => `${s.name}:${s.port} exited (${s.child.exitCode ?? s.child.signalCode}):\n${s.output().slice(-2_000)}`);
  }

  /** The last lines each running instance wrote, for a failure message. */
  outputs(chars = 2_500): string {
    return Object.values(this.instances)
      .flat()
      .map((s) => `--- ${s.name}:${s.port} ---\n${s.output().slice(-chars)}`)
      .join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.everything.map((s) => s.stop('SIGTERM')));
  }

  private async portFor(name: ServiceName): Promise<number> {
    // The first dispatcher and console take the ports the others' links point at. Counted when
    // asked, not when started: instances of one service start side by side.
    const first = !this.portsGiven.has(name);
    this.portsGiven.add(name);
    if (name === 'alert-dispatcher' && first) return this.dispatcherPort;
    if (name === 'ops-console' && first) return this.consolePort;
    return freePort();
  }

  /** `beacon keys issue`, as an administrator gives a hotline its key; the key is printed once. */
  private issueHotlineKey(): string {
    const result = spawnSync(
      process.execPath,
      [path.join(root, 'bin/beacon.mjs'), 'keys', 'issue', '--hotline', 'faults-hotline', '--regions', 'almaty', '--event-types', '*'],
      { cwd: root, env: { PATH: process.env.PATH ?? '', ...this.env('intake-api') }, encoding: 'utf8', timeout: 60_000 },
    );
    const key = /api key:\s+(\S+)/.exec(result.stdout)?.[1];
    if (result.status !== 0 || !key) throw new Error(`beacon keys issue failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    return key;
  }
}
