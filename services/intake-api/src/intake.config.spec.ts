import { ConfigError } from '@beacon/config';
import { composeEnvironment } from '@beacon/testing';
import { randomBytes } from 'node:crypto';
import { loadIntakeConfig } from './intake.config';

const key = () => randomBytes(32).toString('base64');

describe(loadIntakeConfig.name, () => {
  it('accepts the environment docker-compose.yml gives the service', () => {
    const sut = loadIntakeConfig(
      composeEnvironment('intake-api', { PERSON_HMAC_KEY: key(), PII_ENCRYPTION_KEY: key() }),
    );
    expect(sut.PORT).toBe(3100);
    expect(sut.KAFKA_BROKERS).toEqual(['kafka:9092']);
  });

  it('stops with the name of each missing or malformed variable', () => {
    const attempt = () =>
      loadIntakeConfig({
        DATABASE_URL: 'mysql://x',
        KAFKA_BROKERS: '127.0.0.1:9092',
        PERSON_HMAC_KEY: 'short',
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(attempt).toThrow(/PERSON_HMAC_KEY: must be 32 bytes encoded as base64/);
    expect(attempt).toThrow(/PII_ENCRYPTION_KEY: is required but not set/);
  });
});
