import { spawnService, type ServiceName } from '@beacon/testing';
import { randomBytes } from 'node:crypto';

const key = () => randomBytes(32).toString('base64');

const cases: { service: ServiceName; env: Record<string, string>; expected: RegExp[] }[] = [
  {
    service: 'intake-api',
    env: { DATABASE_URL: 'postgres://127.0.0.1:1/none', KAFKA_BROKERS: 'not a broker list' },
    expected: [/KAFKA_BROKERS: must be a comma-separated list of host:port/, /PERSON_HMAC_KEY: is required but not set/],
  },
  {
    service: 'case-projector',
    env: { KAFKA_BROKERS: '127.0.0.1:9092' },
    expected: [/DATABASE_URL: is required but not set/],
  },
  {
    service: 'alert-dispatcher',
    env: { DATABASE_URL: 'postgres://127.0.0.1:1/none', KAFKA_BROKERS: '127.0.0.1:9092', SMTP_URL: 'smtp://127.0.0.1:1025', ROUTING_CONFIG_PATH: '/nonexistent/routing.yaml' },
    expected: [/routing configuration .*routing\.yaml is invalid/, /ENOENT/],
  },
  {
    service: 'ops-console',
    env: { DATABASE_URL: 'postgres://127.0.0.1:1/none', AUTH_ACCESS_TOKEN_KEYS: 'nobody' },
    expected: [/AUTH_ACCESS_TOKEN_KEYS: master key #1: expected "kid:base64key"/, /VAULT_MASTER_KEYS: is required but not set/],
  },
  {
    // Everything else is valid and the database is out of reach: the broker list is checked
    // before the console migrates its database, not when its web module is built after.
    service: 'ops-console',
    env: {
      DATABASE_URL: 'postgres://127.0.0.1:1/none',
      VAULT_MASTER_KEYS: `mk1:${key()}`,
      AUTH_ACCESS_TOKEN_KEYS: `at1:${key()}`,
      AUTH_TOTP_KEYS: `tk1:${key()}`,
      KAFKA_BROKERS: 'not a broker list',
    },
    expected: [/KAFKA_BROKERS: must be a comma-separated list of host:port/],
  },
];

describe('service start-up with a bad configuration', () => {
  it.each(cases)('$service stops with status 78 and names what is wrong', async ({ service, env, expected }) => {
    const sut = spawnService(service, env, 0);
    const code = await sut.exited;
    expect(code).toBe(78);
    for (const pattern of expected) expect(sut.output()).toMatch(pattern);
    expect(sut.output()).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});
