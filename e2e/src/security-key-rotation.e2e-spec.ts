import {
  type EncryptedValue,
  openWithDataKey,
  parseMasterKeys,
  parseWrappedKey,
  unwrapDataKey,
} from '@beacon/security';
import {
  createTestDatabase,
  freePort,
  requireInfrastructure,
  startService,
  uniqueName,
  type ServiceProcess,
  type TestDatabase,
} from '@beacon/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { beacon } from './security-accounts';
import { SEED_PERSONS, seedReport } from './seed-scenario';
import { postReport } from './security-stack';

describe('master-key rotation: `beacon persons rotate-master` rewraps every person key while intake keeps working', () => {
  const mk1 = `mk1:${randomBytes(32).toString('base64')}`;
  const mk2 = `mk2:${randomBytes(32).toString('base64')}`;
  const hotlineKey = `bk_dev_${randomBytes(32).toString('base64url')}`;
  let db: TestDatabase;
  let sql: Client;
  let intake: ServiceProcess | null = null;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase('beacon_sec_rotation');
    env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: requireInfrastructure('KAFKA_BROKERS'),
      KAFKA_TOPIC_PREFIX: `${uniqueName('sec_rotation')}.`,
      PERSON_HMAC_KEY: randomBytes(32).toString('base64'),
      DEV_API_KEY: hotlineKey,
      LOG_LEVEL: 'warn',
    };
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await intake?.stop();
    await sql?.end();
    await db?.drop();
  });

  const restartIntake = async (masterKeys: string) => {
    await intake?.stop();
    intake = await startService(
      'intake-api',
      { ...env, VAULT_MASTER_KEYS: masterKeys },
      await freePort(),
    );
    return intake;
  };
  const usage = (masterKeys: string) =>
    beacon({ ...env, VAULT_MASTER_KEYS: masterKeys }, 'persons', 'key-usage');
  const sealedInOutbox = async () => {
    const { rows } = await sql.query<{ value: string }>('SELECT value FROM intake.outbox');
    return rows.flatMap((r) =>
      [...r.value.matchAll(/\{"alg":"A256GCM"[^{}]*\}/g)].map(
        (m) => JSON.parse(m[0]) as EncryptedValue,
      ),
    );
  };
  const wrappedKeys = async () =>
    (
      await sql.query<{ person_ref: string; key_version: number; wrapped_key: string }>(
        'SELECT person_ref, key_version, wrapped_key FROM vault.person_keys',
      )
    ).rows;

  it('moves every key to the new master key, after which the old one can be destroyed', async () => {
    const report = seedReport(new Date(Date.now() - 40 * 60_000).toISOString());
    await postReport({ intake: await restartIntake(mk1), hotlineKey }, report);
    expect(usage(mk1).stdout).toContain('mk1=5');

    // Step 2 of the runbook: the new key first, the old one still there to unwrap.
    const both = `${mk2},${mk1}`;
    await postReport(
      { intake: await restartIntake(both), hotlineKey },
      {
        ...report,
        persons: [{ unhcrStatus: 'refugee', name: 'Newly Reported' }],
        facts: report.facts.slice(0, 1),
      },
    );
    expect(usage(both).stdout).toMatch(/mk1=5/);
    expect(usage(both).stdout).toMatch(/mk2=1/);

    const unknown = beacon({ ...env, VAULT_MASTER_KEYS: both }, 'persons', 'rotate-master', 'mk3');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/master key mk3 is not configured/);

    const rotated = beacon({ ...env, VAULT_MASTER_KEYS: both }, 'persons', 'rotate-master', 'mk2');
    expect(rotated.stderr).toBe('');
    expect(rotated.status).toBe(0);
    expect(rotated.stdout).toMatch(/rewrapped 5 person keys under mk2/);
    expect(rotated.stdout).toMatch(/mk2=6/);
    expect(rotated.stdout).toMatch(/remove them from VAULT_MASTER_KEYS/);

    // The old master key is gone from the environment: intake still seals for known persons.
    const only = await restartIntake(mk2);
    const again = await postReport(
      { intake: only, hotlineKey },
      { ...report, persons: report.persons.slice(0, 1), facts: report.facts.slice(0, 1) },
    );
    expect(again.cases).toHaveLength(1);

    // Every value ever written opens with keys unwrapped by mk2 alone; mk1 unwraps nothing.
    const keys = (await wrappedKeys()).map((r) => ({
      kid: `pk:${r.person_ref}:${r.key_version}`,
      key: unwrapDataKey(parseMasterKeys(mk2), parseWrappedKey(r.wrapped_key), r.person_ref),
    }));
    const values = await sealedInOutbox();
    expect(values.length).toBeGreaterThan(20);
    const opened = values.map((v) => {
      const key = keys.find((k) => k.kid === v.kid);
      return key ? openWithDataKey(key.key, v) : null;
    });
    expect(opened.filter((v) => v === null)).toEqual([]);
    expect(opened).toEqual(expect.arrayContaining([SEED_PERSONS[0].name, 'Newly Reported']));
    for (const r of await wrappedKeys()) {
      expect(() =>
        unwrapDataKey(parseMasterKeys(mk1), parseWrappedKey(r.wrapped_key), r.person_ref),
      ).toThrow(/not configured/);
    }
  });
});
