import {
  createTestDatabase,
  freePort,
  startService,
  type ServiceProcess,
  type TestDatabase,
} from '@beacon/testing';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

describe('beacon keys: per-hotline API keys issued, listed, rotated and revoked from the admin CLI', () => {
  let db: TestDatabase;
  let intake: ServiceProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase('beacon_e2e_keys');
    env = {
      DATABASE_URL: db.url,
      // The CLI never talks to Kafka; the service only needs to answer over HTTP here.
      KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
      PERSON_HMAC_KEY: randomBytes(32).toString('base64'),
      VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`,
      HOTLINE_KEY_CACHE_MS: '0',
      LOG_LEVEL: 'warn',
    };
    intake = await startService('intake-api', env, await freePort());
  });

  afterAll(async () => {
    await intake?.stop();
    await db?.drop();
  });

  const beacon = (...args: string[]) => {
    const result = spawnSync(process.execPath, [path.join(root, 'bin/beacon.mjs'), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  const issue = (...args: string[]) => {
    const result = beacon('keys', 'issue', ...args);
    const keyId = /key id:\s+(\S+)/.exec(result.stdout)?.[1];
    const apiKey = /api key:\s+(\S+)/.exec(result.stdout)?.[1];
    return { ...result, keyId, apiKey };
  };

  const post = (apiKey: string, region: string) =>
    fetch(`${intake.baseUrl}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        occurredAt: new Date(Date.now() - 60_000).toISOString(),
        region,
        source: { role: 'family', reliability: 'credible', channel: 'call', language: 'kk' },
        recordedBy: 'operator-3',
        persons: [{ unhcrStatus: 'asylum-seeker' }],
        facts: [
          {
            type: 'detention-reported',
            place: { region },
            authority: 'police',
            manner: 'street',
            statedReason: 'identity-check',
          },
        ],
      }),
    });

  it('issues a scoped key shown once, refuses a third, rotates by revoking, and the revoked key stops working', async () => {
    const first = issue(
      '--hotline',
      'almaty-hotline',
      '--regions',
      'almaty',
      '--event-types',
      'detention-reported',
      '--label',
      'desk phone app',
    );
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/shown only now/);
    expect(first.apiKey).toMatch(/^bk_[A-Za-z0-9_-]{40,}$/);
    expect((await post(first.apiKey!, 'almaty')).status).toBe(202);
    const outside = await post(first.apiKey!, 'shymkent');
    expect(outside.status).toBe(403);
    expect(outside.headers.get('content-type')).toMatch(/application\/problem\+json/);

    const second = issue(
      '--hotline',
      'almaty-hotline',
      '--regions',
      'almaty,shymkent',
      '--event-types',
      '*',
    );
    expect(second.status).toBe(0);
    const third = issue('--hotline', 'almaty-hotline', '--regions', 'almaty', '--event-types', '*');
    expect(third.status).toBe(1);
    expect(third.stderr).toMatch(/already has 2 active keys/);
    expect(third.stderr).toMatch(/revoke one first/);
    expect(third.apiKey).toBeUndefined();

    const listed = beacon('keys', 'list', '--hotline', 'almaty-hotline');
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(first.keyId);
    expect(listed.stdout).toContain(second.keyId);
    expect(listed.stdout).toContain('desk phone app');
    expect(listed.stdout).not.toContain(first.apiKey);
    expect(listed.stdout).not.toContain(second.apiKey);

    // Rotation: both keys work while the new one is rolled out, then the old one is revoked.
    expect((await post(second.apiKey!, 'shymkent')).status).toBe(202);
    const revoked = beacon('keys', 'revoke', first.keyId!);
    expect(revoked.status).toBe(0);
    const refused = await post(first.apiKey!, 'almaty');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await post(second.apiKey!, 'almaty')).status).toBe(202);
    expect(beacon('keys', 'list').stdout).toMatch(
      new RegExp(`${first.keyId}\\talmaty-hotline\\trevoked`),
    );
    expect(
      issue('--hotline', 'almaty-hotline', '--regions', 'almaty', '--event-types', '*').status,
    ).toBe(0);
  });

  it('explains bad arguments instead of issuing anything', () => {
    const badType = issue(
      '--hotline',
      'almaty-hotline',
      '--regions',
      'almaty',
      '--event-types',
      'person-vanished',
    );
    expect(badType.status).toBe(1);
    expect(badType.stderr).toMatch(/--event-types: must be \* or one of/);
    const badRevoke = beacon('keys', 'revoke', 'not-a-key-id');
    expect(badRevoke.status).toBe(1);
    expect(badRevoke.stderr).toMatch(/invalid key id/);
  });
});
