import { composeEnvironment } from '@beacon/testing';
import { loadProjectorConfig } from './projector.config';

describe(loadProjectorConfig.name, () => {
  it('accepts the environment docker-compose.yml gives the service', () => {
    const sut = loadProjectorConfig(composeEnvironment('case-projector'));
    expect(sut).toMatchObject({ PORT: 3300, CONSUMER_GROUP: 'case-projector', KAFKA_BROKERS: ['kafka:9092'] });
  });

  it('names a missing broker list', () => {
    expect(() => loadProjectorConfig({ DATABASE_URL: 'postgres://db/beacon' })).toThrow(/KAFKA_BROKERS: is required but not set/);
  });

  it('defaults the urgency review and the rebuild, and names a bad value', () => {
    const sut = loadProjectorConfig({ DATABASE_URL: 'postgres://db/beacon', KAFKA_BROKERS: 'k:9092' });

    expect(sut).toMatchObject({ URGENCY_REVIEW_INTERVAL_MS: 60_000, REBUILD_WORKERS: 2, REBUILD_WINDOW_EVENTS: 20_000 });
    expect(() => loadProjectorConfig({ DATABASE_URL: 'postgres://db/beacon', KAFKA_BROKERS: 'k:9092', REBUILD_WORKERS: 'many' })).toThrow(
      /REBUILD_WORKERS/,
    );
  });
});
