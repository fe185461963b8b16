import { composeEnvironment } from '@beacon/testing';
import { randomBytes } from 'node:crypto';
import { consoleEnvSchema, loadConsoleConfig } from './console.config';

const key = () => randomBytes(32).toString('base64');
const secrets = () => ({
  VAULT_MASTER_KEYS: `mk1:${key()}`,
  AUTH_ACCESS_TOKEN_KEYS: `at1:${key()}`,
  AUTH_TOTP_KEYS: `tk1:${key()}`,
});

describe(loadConsoleConfig.name, () => {
  it('accepts the environment docker-compose.yml gives the service', () => {
    const sut = loadConsoleConfig(
      composeEnvironment('ops-console', { ...secrets(), CONSOLE_SERVICE_TOKEN: 'c'.repeat(43) }),
    );
    expect(sut.PORT).toBe(3000);
    expect(sut.AUTH_ACCESS_TOKEN_KEYS.currentKid).toBe('at1');
    expect(sut.VAULT_MASTER_KEYS.currentKid).toBe('mk1');
    expect(sut.CORS_ORIGINS).toEqual([]);
    expect(sut.KAFKA_BROKERS).toEqual(['kafka:9092']);
  });

  it('reads every variable docker-compose.yml gives the service, none of them later', () => {
    const given = Object.keys(
      composeEnvironment('ops-console', { ...secrets(), CONSOLE_SERVICE_TOKEN: 'c'.repeat(43) }),
    );
    expect(given.filter((name) => !(name in consoleEnvSchema.shape))).toEqual([]);
  });

  it('runs without a broker list, and names a malformed one or a bad topic prefix', () => {
    const base = { DATABASE_URL: 'postgres://db/beacon', ...secrets() };
    const sut = loadConsoleConfig(base);
    expect(sut.KAFKA_BROKERS).toBeUndefined();
    expect(sut.KAFKA_TOPIC_PREFIX).toBe('');
    expect(() => loadConsoleConfig({ ...base, KAFKA_BROKERS: 'kafka' })).toThrow(
      /KAFKA_BROKERS: must be a comma-separated list of host:port/,
    );
    expect(() => loadConsoleConfig({ ...base, KAFKA_TOPIC_PREFIX: 'a/b' })).toThrow(
      /KAFKA_TOPIC_PREFIX: may contain only/,
    );
  });

  it('needs the account and vault keys, naming each missing or malformed one', () => {
    const attempt = () =>
      loadConsoleConfig({ DATABASE_URL: 'postgres://db/beacon', AUTH_TOTP_KEYS: 'tk1:c2hvcnQ=' });
    expect(attempt).toThrow(/VAULT_MASTER_KEYS: is required but not set/);
    expect(attempt).toThrow(/AUTH_ACCESS_TOKEN_KEYS: is required but not set/);
    expect(attempt).toThrow(/AUTH_TOTP_KEYS: master key tk1: must be 32 bytes/);
  });

  it('alerts on bulk reads at 50 cases in 10 minutes unless told otherwise, and checks CORS origins', () => {
    const base = { DATABASE_URL: 'postgres://db/beacon', ...secrets() };
    expect(loadConsoleConfig(base)).toMatchObject({
      AUDIT_BULK_READ_THRESHOLD: 50,
      AUDIT_BULK_READ_WINDOW_SECONDS: 600,
    });
    expect(
      loadConsoleConfig({ ...base, CORS_ORIGINS: 'https://console.ngo.example' }).CORS_ORIGINS,
    ).toEqual(['https://console.ngo.example']);
    expect(() => loadConsoleConfig({ ...base, CORS_ORIGINS: '*' })).toThrow(
      /CORS_ORIGINS: must be comma-separated origins/,
    );
  });
});
