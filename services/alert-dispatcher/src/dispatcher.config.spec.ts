import { composeEnvironment } from '@beacon/testing';
import { loadDispatcherConfig } from './dispatcher.config';

describe(loadDispatcherConfig.name, () => {
  it('accepts the environment docker-compose.yml gives the service', () => {
    const sut = loadDispatcherConfig(composeEnvironment('alert-dispatcher'));
    expect(sut).toMatchObject({ PORT: 3200, SMTP_URL: 'smtp://mailpit:1025', ROUTING_CONFIG_PATH: 'deploy/routing/routing.yaml' });
  });

  it('names a malformed SMTP URL', () => {
    expect(() =>
      loadDispatcherConfig({ DATABASE_URL: 'postgres://db/beacon', KAFKA_BROKERS: 'k:9092', SMTP_URL: 'mailpit:1025' }),
    ).toThrow(/SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
  });
});
