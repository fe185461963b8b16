import { z } from 'zod';
import { ConfigError, kafkaBrokers, loadConfig, port, postgresUrl } from '../index';

const schema = z.object({
  PORT: port(3100),
  DATABASE_URL: postgresUrl,
  KAFKA_BROKERS: kafkaBrokers,
});

describe(loadConfig.name, () => {
  it('parses and freezes a valid environment', () => {
    const sut = loadConfig('svc', schema, {
      DATABASE_URL: 'postgres://u@127.0.0.1:5432/db',
      KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
    });
    expect(sut).toEqual({
      PORT: 3100,
      DATABASE_URL: 'postgres://u@127.0.0.1:5432/db',
      KAFKA_BROKERS: ['127.0.0.1:9092', '127.0.0.1:9093'],
    });
    expect(Object.isFrozen(sut)).toBe(true);
  });

  it('names every missing or malformed variable and what is wrong with it', () => {
    let error: unknown;
    try {
      loadConfig('intake-api', schema, { PORT: 'eighty', KAFKA_BROKERS: 'localhost' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('intake-api: invalid configuration');
    expect(message).toMatch(/DATABASE_URL: is required but not set/);
    expect(message).toMatch(/KAFKA_BROKERS: must be a comma-separated list of host:port/);
    expect(message).toMatch(/PORT: /);
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
      'DATABASE_URL',
      'KAFKA_BROKERS',
      'PORT',
    ]);
  });
});
