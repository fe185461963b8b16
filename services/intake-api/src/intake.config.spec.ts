import { ConfigError } from '@beacon/config';
import { composeEnvironment } from '@beacon/testing';
import { randomBytes } from 'node:crypto';
import { loadIntakeConfig } from './intake.config';

const key = () => randomBytes(32).toString('base64');

describe(loadIntakeConfig.name, () => {
  it('accepts the environment docker-compose.yml gives the service', () => {
    const sut = loadIntakeConfig(
      composeEnvironment('intake-api', {
        PERSON_HMAC_KEY: key(),
        VAULT_MASTER_KEYS: `mk1:${key()}`,
      }),
    );
    expect(sut.PORT).toBe(3100);
    expect(sut.KAFKA_BROKERS).toEqual(['kafka:9092']);
    expect(sut.VAULT_MASTER_KEYS.currentKid).toBe('mk1');
  });

  it('takes several master keys for a rotation, the first current, and refuses short ones', () => {
    const base = {
      DATABASE_URL: 'postgres://localhost/x',
      KAFKA_BROKERS: '127.0.0.1:9092',
      PERSON_HMAC_KEY: key(),
    };
    const sut = loadIntakeConfig({ ...base, VAULT_MASTER_KEYS: `mk2:${key()},mk1:${key()}` });
    expect(sut.VAULT_MASTER_KEYS.currentKid).toBe('mk2');
    expect([...sut.VAULT_MASTER_KEYS.keys.keys()]).toEqual(['mk2', 'mk1']);
    expect(() => loadIntakeConfig({ ...base, VAULT_MASTER_KEYS: 'mk1:c2hvcnQ=' })).toThrow(
      /VAULT_MASTER_KEYS: master key mk1: must be 32 bytes/,
    );
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
    expect(attempt).toThrow(/VAULT_MASTER_KEYS: is required but not set/);
  });

  it('allows no browser origin unless CORS_ORIGINS lists it, and refuses what is not an origin', () => {
    const base = {
      DATABASE_URL: 'postgres://localhost/x',
      KAFKA_BROKERS: '127.0.0.1:9092',
      PERSON_HMAC_KEY: key(),
      VAULT_MASTER_KEYS: `mk1:${key()}`,
    };
    expect(loadIntakeConfig(base).CORS_ORIGINS).toEqual([]);
    expect(
      loadIntakeConfig({
        ...base,
        CORS_ORIGINS: 'https://hotline.example.org, http://localhost:5173',
      }).CORS_ORIGINS,
    ).toEqual(['https://hotline.example.org', 'http://localhost:5173']);
    expect(() => loadIntakeConfig({ ...base, CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
  });
});
