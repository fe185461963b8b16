import { type RoutingConfig } from '@beacon/alerting-domain';
import {
  createTestDatabase,
  freePort,
  requireInfrastructure,
  startSmtpCapture,
  uniqueName,
  waitFor,
  type SmtpCapture,
} from '@beacon/testing';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import {
  aCase,
  routingFile,
  sharedInfrastructure,
  startDispatcher,
  startSmppSimulator,
  type Harness,
  type SharedInfrastructure,
  type SmppSimulator,
} from '../testing/dispatcher.harness';

const root = path.resolve(__dirname, '../../../..');

interface Ready {
  routing: { sha256: string; lastReloadError: boolean };
}

function edit(file: string, change: (config: RoutingConfig) => void): void {
  const config = parse(readFileSync(file, 'utf8')) as RoutingConfig;
  change(config);
  writeFileSync(file, stringify(config));
}

const almatyOnCall = (primary: string, deputy: string) => (config: RoutingConfig) => {
  config.regions.almaty!.rotation.weeks = [{ primary, deputy }];
};

describe('routing reload without a restart', () => {
  let infra: SharedInfrastructure;
  let smsc: SmppSimulator;
  let smtp: SmtpCapture;
  let harness: Harness | null = null;

  beforeAll(async () => {
    infra = await sharedInfrastructure(
      await createTestDatabase('beacon_alerting_routing'),
      requireInfrastructure('KAFKA_BROKERS'),
      `${uniqueName('routing')}.`,
    );
    smsc = await startSmppSimulator();
    smtp = await startSmtpCapture();
  });

  afterEach(async () => {
    await harness?.stop();
    harness = null;
  });

  afterAll(async () => {
    await smsc?.stop();
    await smtp?.stop();
    await infra?.close();
  });

  const ready = async (): Promise<Ready> =>
    (await (await fetch(`${harness!.baseUrl}/health/ready`)).json()) as Ready;

  async function pagedPhone(): Promise<string> {
    const before = smsc.messages.length;
    await harness!.publish([aCase('almaty').detained()]);
    return (
      await smsc.waitForMessage((m) => smsc.messages.indexOf(m) >= before && m.to !== '77000000161')
    ).to;
  }

  it('picks up an edited file, and keeps the last good routing when the new file is invalid', async () => {
    const file = routingFile();
    harness = await startDispatcher(infra, await freePort(), {
      ROUTING_CONFIG_PATH: file,
      SMTP_URL: smtp.url,
      SMPP_URL: smsc.url,
    });
    await smsc.waitForBind();
    const first = (await ready()).routing.sha256;
    expect(await pagedPhone()).toBe('77000000101');

    edit(file, almatyOnCall('po-alm-2', 'po-alm-1'));
    await waitFor(async () => (await ready()).routing.sha256 !== first, {
      timeoutMs: 10_000,
      what: 'the reload',
    });
    expect(await pagedPhone()).toBe('77000000102');

    const good = (await ready()).routing.sha256;
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('role: protection-officer', 'role: boss'),
    );
    await waitFor(async () => (await ready()).routing.lastReloadError, {
      timeoutMs: 10_000,
      what: 'the rejected reload',
    });
    expect((await ready()).routing.sha256).toBe(good);
    expect(await pagedPhone()).toBe('77000000102');
  });

  it('reloads every running dispatcher on `beacon routing reload`, after validating the file', async () => {
    const file = routingFile();
    harness = await startDispatcher(infra, await freePort(), {
      ROUTING_CONFIG_PATH: file,
      ROUTING_WATCH: 'false',
      SMTP_URL: smtp.url,
      SMPP_URL: smsc.url,
    });
    await smsc.waitForBind();
    // Asynchronously: the dispatcher under test shares this process's event loop.
    const cli = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join(root, 'bin/beacon.mjs'), ...args], {
          cwd: root,
          env: {
            PATH: process.env.PATH ?? '',
            DATABASE_URL: harness!.config.DATABASE_URL,
            KAFKA_BROKERS: infra.brokers,
            SMTP_URL: smtp.url,
            ROUTING_CONFIG_PATH: file,
          },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('exit', (status) => resolve({ status, stdout, stderr }));
      });
    edit(file, almatyOnCall('po-alm-2', 'po-alm-1'));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await pagedPhone()).toBe('77000000101'); // not watching: nothing changes by itself

    const reload = await cli('routing', 'reload');

    expect(reload.status).toBe(0);
    expect(reload.stdout).toMatch(/loaded/);
    expect(reload.stdout).toMatch(/every dispatcher now routes with 4 region\(s\)/);
    expect(await pagedPhone()).toBe('77000000102');

    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('role: protection-officer', 'role: boss'),
    );
    const refused = await cli('routing', 'reload');
    expect(refused.status).toBe(65);
    expect(refused.stderr).toMatch(/people\.po-alm-1\.role: Invalid option/);
    const status = await cli('routing', 'status');
    expect(status.stdout).toMatch(/ok$/m);
  });
});
