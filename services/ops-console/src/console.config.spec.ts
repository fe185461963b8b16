import { composeEnvironment } from '@beacon/testing';
import { loadConsoleConfig } from './console.config';

describe(loadConsoleConfig.name, () => {
  it('accepts the environment docker-compose.yml gives the service', () => {
    const sut = loadConsoleConfig(
      composeEnvironment('ops-console', { CONSOLE_API_KEYS: `ops-1:${'k'.repeat(40)}`, CONSOLE_SERVICE_TOKEN: 'c'.repeat(43) }),
    );
    expect(sut.PORT).toBe(3000);
    expect(sut.CONSOLE_API_KEYS).toEqual([{ user: 'ops-1', key: 'k'.repeat(40) }]);
  });

  it('rejects short console keys, naming the variable', () => {
    expect(() => loadConsoleConfig({ DATABASE_URL: 'postgres://db/beacon', CONSOLE_API_KEYS: 'ops:short' })).toThrow(
      /CONSOLE_API_KEYS: must be comma-separated user:key pairs/,
    );
  });
});
