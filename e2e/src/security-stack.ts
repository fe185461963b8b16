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
import {
  type Account,
  consoleSecrets,
  createAccount,
  login,
  type Session,
} from './security-accounts';

const routingFile = path.resolve(__dirname, '../../deploy/routing/routing.yaml');

/** Where security alerts go in the test stack (an address of the routing file's fictitious domain). */
export const SECURITY_MAILBOX = 'security-desk@beacon.example';

/** The four services on real Kafka, Postgres and SMTP, with the secrets the security controls need. */
export interface SecurityStack {
  db: TestDatabase;
  smtp: SmtpCapture;
  prefix: string;
  masterKeys: string;
  hotlineKey: string;
  intake: ServiceProcess;
  projector: ServiceProcess;
  dispatcher: ServiceProcess;
  console: ServiceProcess;
  env: {
    intake: Record<string, string>;
    projector: Record<string, string>;
    console: Record<string, string>;
  };
  admin: Account;
  adminSession: Session;
  stop(): Promise<void>;
}

export async function startSecurityStack(
  name: string,
  options: {
    bulkReadThreshold?: number;
    consoleEnv?: Record<string, string>;
    intakeEnv?: Record<string, string>;
  } = {},
): Promise<SecurityStack> {
  const brokers = requireInfrastructure('KAFKA_BROKERS');
  const db = await createTestDatabase(`beacon_${name}`);
  const smtp = await startSmtpCapture();
  const started: ServiceProcess[] = [];
  try {
    const prefix = `${uniqueName(name)}.`;
    const masterKeys = `mk1:${randomBytes(32).toString('base64')}`;
    const hotlineKey = `bk_dev_${randomBytes(32).toString('base64url')}`;
    const serviceToken = randomBytes(32).toString('base64url');
    const shared = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'warn',
    };
    const [intakePort, projectorPort, dispatcherPort, consolePort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const intakeEnv = {
      ...shared,
      PERSON_HMAC_KEY: randomBytes(32).toString('base64'),
      VAULT_MASTER_KEYS: masterKeys,
      DEV_API_KEY: hotlineKey,
      ...options.intakeEnv,
    };
    const intake = await startService('intake-api', intakeEnv, intakePort);
    started.push(intake);
    const projector = await startService('case-projector', shared, projectorPort);
    started.push(projector);
    const dispatcher = await startService(
      'alert-dispatcher',
      {
        ...shared,
        SMTP_URL: smtp.url,
        ROUTING_CONFIG_PATH: routingFile,
        PUBLIC_CONSOLE_URL: `http://127.0.0.1:${consolePort}`,
        CONSOLE_SERVICE_TOKEN: serviceToken,
        SECURITY_ALERT_EMAILS: SECURITY_MAILBOX,
        AUDIT_ALERT_POLL_MS: '500',
      },
      dispatcherPort,
    );
    started.push(dispatcher);
    const consoleEnv = {
      DATABASE_URL: db.url,
      VAULT_MASTER_KEYS: masterKeys,
      ALERT_DISPATCHER_URL: `http://console:${serviceToken}@127.0.0.1:${dispatcherPort}`,
      AUDIT_BULK_READ_THRESHOLD: String(options.bulkReadThreshold ?? 50),
      LOG_LEVEL: 'warn',
      ...consoleSecrets(),
      ...options.consoleEnv,
    };
    const console_ = await startService('ops-console', consoleEnv, consolePort);
    started.push(console_);
    const admin = createAccount(consoleEnv, `admin-${randomBytes(3).toString('hex')}`, 'admin', {
      regions: ['*'],
    });
    const adminSession = await login(console_.baseUrl, admin);
    return {
      db,
      smtp,
      prefix,
      masterKeys,
      hotlineKey,
      intake,
      projector,
      dispatcher,
      console: console_,
      env: { intake: intakeEnv, projector: shared, console: consoleEnv },
      admin,
      adminSession,
      stop: async () => {
        await Promise.all(started.map((s) => s.stop()));
        await smtp.stop();
        await db.drop();
      },
    };
  } catch (error) {
    await Promise.all(started.map((s) => s.stop()));
    await smtp.stop();
    await db.drop();
    throw error;
  }
}

/** Posts a report as the development hotline; the accepted answer. */
export async function postReport(
  stack: Pick<SecurityStack, 'intake' | 'hotlineKey'>,
  body: unknown,
): Promise<{
  reportId: string;
  incidentId: string;
  cases: { personIndex: number; caseId: string }[];
}> {
  const response = await fetch(`${stack.intake.baseUrl}/v1/reports`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.hotlineKey}`,
      'content-type': 'application/json',
      'idempotency-key': `sec-${randomBytes(8).toString('hex')}`,
    },
    body: JSON.stringify(body),
  });
  if (response.status !== 202)
    throw new Error(`report refused: ${response.status} ${await response.text()}`);
  return (await response.json()) as {
    reportId: string;
    incidentId: string;
    cases: { personIndex: number; caseId: string }[];
  };
}
