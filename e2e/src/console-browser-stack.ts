import {
  createTestDatabase,
  freePort,
  requireInfrastructure,
  startService,
  startSmtpCapture,
  uniqueName,
  type ServiceProcess,
  type SmtpCapture,
  type TestDatabase,
} from '@beacon/testing';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { consoleSecrets } from './security-accounts';

const routingFile = path.resolve(__dirname, '../../deploy/routing/routing.yaml');

/** The four services as processes, the console with Kafka so its pipeline view can show lag. */
export interface ConsoleStack {
  intake: ServiceProcess;
  console: ServiceProcess;
  consoleEnv: Record<string, string>;
  hotlineKey: string;
  stop(): Promise<void>;
}

export async function startConsoleStack(name: string): Promise<ConsoleStack> {
  const brokers = requireInfrastructure('KAFKA_BROKERS');
  const db: TestDatabase = await createTestDatabase(`beacon_${name}`);
  const smtp: SmtpCapture = await startSmtpCapture();
  const started: ServiceProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((s) => s.stop()));
    await smtp.stop();
    await db.drop();
  };
  try {
    const prefix = `${uniqueName(name)}.`;
    const masterKeys = `mk1:${randomBytes(32).toString('base64')}`;
    const hotlineKey = `bk_dev_${randomBytes(32).toString('base64url')}`;
    const serviceToken = randomBytes(32).toString('base64url');
    const shared = { DATABASE_URL: db.url, KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' };
    const [intakePort, projectorPort, dispatcherPort, consolePort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const intake = await startService(
      'intake-api',
      {
        ...shared,
        PERSON_HMAC_KEY: randomBytes(32).toString('base64'),
        VAULT_MASTER_KEYS: masterKeys,
        DEV_API_KEY: hotlineKey,
      },
      intakePort,
    );
    started.push(intake);
    started.push(await startService('case-projector', shared, projectorPort));
    started.push(
      await startService(
        'alert-dispatcher',
        {
          ...shared,
          SMTP_URL: smtp.url,
          ROUTING_CONFIG_PATH: routingFile,
          PUBLIC_CONSOLE_URL: `http://127.0.0.1:${consolePort}`,
          CONSOLE_SERVICE_TOKEN: serviceToken,
        },
        dispatcherPort,
      ),
    );
    const consoleEnv = {
      ...shared,
      VAULT_MASTER_KEYS: masterKeys,
      ALERT_DISPATCHER_URL: `http://console:${serviceToken}@127.0.0.1:${dispatcherPort}`,
      ...consoleSecrets(),
      // Short tokens, so the page has to refresh (and reconnect its live stream) during the run.
      AUTH_ACCESS_TOKEN_TTL_SECONDS: '60',
    };
    const console_ = await startService('ops-console', consoleEnv, consolePort);
    started.push(console_);
    return { intake, console: console_, consoleEnv, hotlineKey, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One person taken at night and held incommunicado: a critical case in the given region. */
export function criticalReport(region: string, name: string) {
  return {
    occurredAt: new Date(Date.now() - 10 * 60_000).toISOString(),
    timeBand: 'night',
    region,
    source: { role: 'family', reliability: 'credible', channel: 'call', language: 'ru' },
    recordedBy: 'operator-17',
    persons: [{ name, registrationNumber: `123-09C${String(Date.now()).slice(-5)}`, unhcrStatus: 'refugee' }],
    facts: [
      {
        type: 'detention-reported',
        place: { region, district: 'bostandyk' },
        authority: 'unidentified-armed-men',
        manner: 'home-raid',
        statedReason: 'none-given',
      },
      { type: 'access-status-updated', family: 'denied', lawyer: 'denied', unhcr: 'denied', ngo: 'denied' },
    ],
  };
}
