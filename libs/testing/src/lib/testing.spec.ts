import { composeEnvironment, uniqueName, waitFor } from '../index';
import { trackService } from './live-services';

describe(uniqueName.name, () => {
  it('gives a different, database-safe name every time', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueName('beacon_test')));
    expect(names.size).toBe(100);
    for (const name of names) expect(name).toMatch(/^beacon_test_[a-z0-9_]+$/);
  });
});

describe(waitFor.name, () => {
  it('returns the first truthy value and says what it waited for when it times out', async () => {
    let calls = 0;
    await expect(waitFor(() => (++calls >= 3 ? 'ready' : null), { intervalMs: 1 })).resolves.toBe('ready');
    await expect(waitFor(() => false, { timeoutMs: 30, intervalMs: 5, what: 'the broker' })).rejects.toThrow(
      /timed out after 30 ms waiting for the broker/,
    );
  });
});

describe(composeEnvironment.name, () => {
  it('resolves merge keys and required variables like docker compose', () => {
    const sut = composeEnvironment('intake-api', { PERSON_HMAC_KEY: 'a', VAULT_MASTER_KEYS: 'b' });
    expect(sut).toMatchObject({ KAFKA_BROKERS: 'kafka:9092', PERSON_HMAC_KEY: 'a', PORT: '3100' });
    expect(sut).not.toHaveProperty('DEV_API_KEY');
    expect(() => composeEnvironment('intake-api')).toThrow(/needs PERSON_HMAC_KEY/);
  });
});

describe('a wait that times out', () => {
  it('reports the warnings and last lines of the services still running', async () => {
    const output = [
      '{"level":"info","msg":"projected 1"}',
      '{"level":"warn","msg":"rebalancing"}',
      'Error: connection refused',
      '    at Socket.connect',
      '{"level":"info","msg":"projected 2"}',
      '{"level":"info","msg":"projected 3"}',
      '{"level":"info","msg":"projected 4"}',
      '{"level":"info","msg":"projected 5"}',
    ].join('\n');
    const untrack = trackService({ label: 'case-projector on port 1', output: () => output });
    try {
      const failure = await waitFor(() => false, { timeoutMs: 10, intervalMs: 5, what: 'the projector' }).catch((e: Error) => e.message);
      expect(failure).toContain('--- case-projector on port 1, last notable output ---');
      expect(failure).toContain('rebalancing');
      expect(failure).toContain('Error: connection refused');
      expect(failure).toContain('projected 5');
      expect(failure).not.toContain('projected 1');
    } finally {
      untrack();
    }
    await expect(waitFor(() => false, { timeoutMs: 10, intervalMs: 5 })).rejects.toThrow(/^timed out after 10 ms waiting for condition$/);
  });
});
