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
});
