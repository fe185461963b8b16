import { encryptedValueSchema } from '@beacon/events';
import { createPool, runMigrations, type Pool } from '@beacon/persistence';
import { keyRingFrom, newPersonRef } from '@beacon/security';
import { createTestDatabase, type TestDatabase } from '@beacon/testing';
import { randomBytes } from 'node:crypto';
import {
  migrateVault,
  PERSON_ERASED_SQLSTATE,
  PersonKeyVault,
  VAULT_SCHEMA,
  VaultException,
  vaultMigrations,
} from '../index';

describe(PersonKeyVault.name, () => {
  let db: TestDatabase;
  let pool: Pool;
  const mk1 = { kid: 'mk1', key: randomBytes(32) };
  const mk2 = { kid: 'mk2', key: randomBytes(32) };
  let sut: PersonKeyVault;

  beforeAll(async () => {
    db = await createTestDatabase('beacon_vault');
    expect(await runMigrations(db.url, VAULT_SCHEMA, vaultMigrations)).toEqual([
      'VaultSchema1765000000000',
      'NoKeyAfterErasure1765600000000',
    ]);
    pool = createPool(db.url, 'vault-test', 10);
    sut = new PersonKeyVault(pool, keyRingFrom(mk1));
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  async function dumpVault(): Promise<string> {
    const { rows } = await pool.query<{ dump: string }>(
      `SELECT coalesce(string_agg(row_to_json(k)::text, E'\\n'), '') AS dump FROM vault.person_keys k`,
    );
    const tombstones = await pool.query<{ dump: string }>(
      `SELECT coalesce(string_agg(row_to_json(e)::text, E'\\n'), '') AS dump FROM vault.erasures e`,
    );
    return `${rows[0]!.dump}\n${tombstones.rows[0]!.dump}`;
  }

  const encodings = (key: Buffer) => [
    key.toString('hex'),
    key.toString('base64'),
    key.toString('base64url'),
    `\\x${key.toString('hex')}`,
  ];

  it('creates one key per person, even when asked concurrently, and seals values in the event catalogue shape', async () => {
    const person = newPersonRef();
    const keys = await Promise.all(Array.from({ length: 8 }, () => sut.keyFor(person)));
    expect(new Set(keys.map((k) => k.key.toString('hex'))).size).toBe(1);
    expect(keys[0]!.kid).toBe(`pk:${person}:1`);

    const value = await sut.encryptForPerson(person, 'Rustam Karimov');
    expect(encryptedValueSchema.parse(value)).toEqual(value);
    expect(value.kid).toBe(`pk:${person}:1`);
    expect(await sut.decryptForPerson(person, value)).toBe('Rustam Karimov');
    // A value cannot be read as another person's.
    const other = newPersonRef();
    await sut.keyFor(other);
    expect(await sut.decryptForPerson(other, value)).toBeNull();
  });

  it('after erasure every value written for that person is unreadable, and other persons are unaffected', async () => {
    const victim = newPersonRef();
    const bystander = newPersonRef();
    const written = await Promise.all(
      ['Dilshod A.', '1987-03-14', '123-09C12345', '+7 701 555 0101', 'held at night'].map((t) =>
        sut.encryptForPerson(victim, t),
      ),
    );
    const kept = await sut.encryptForPerson(bystander, 'Aziza B.');
    // A second instance with its own cache, to show erasure reaches other readers too.
    const otherInstance = new PersonKeyVault(pool, keyRingFrom(mk1));
    expect(await otherInstance.decryptMany(written)).toEqual([
      'Dilshod A.',
      '1987-03-14',
      '123-09C12345',
      '+7 701 555 0101',
      'held at night',
    ]);

    const erasure = await sut.erase(victim, 'admin-1', 'person-request');
    expect(erasure.destroyedNow).toBe(true);

    for (const vault of [sut, otherInstance, new PersonKeyVault(pool, keyRingFrom(mk1))]) {
      expect(await vault.readKey(victim)).toBeNull();
      expect(await Promise.all(written.map((v) => vault.decryptForPerson(victim, v)))).toEqual([
        null,
        null,
        null,
        null,
        null,
      ]);
      expect(await vault.decryptMany([...written, kept])).toEqual([
        null,
        null,
        null,
        null,
        null,
        'Aziza B.',
      ]);
      expect(await vault.decryptForPerson(bystander, kept)).toBe('Aziza B.');
    }
    expect(await sut.isErased(victim)).toBe(true);
    // No new data may be written under an erased reference, and erasing again changes nothing.
    await expect(sut.keyFor(victim)).rejects.toThrow(VaultException);
    await expect(sut.encryptForPerson(victim, 'again')).rejects.toMatchObject({
      code: 'person-erased',
    });
    expect((await sut.erase(victim, 'admin-2', 'retention')).destroyedNow).toBe(false);

    // The tombstone keeps who, when and why, and nothing of the key.
    const { rows } = await pool.query('SELECT * FROM vault.erasures WHERE person_ref = $1', [
      victim,
    ]);
    expect(Object.keys(rows[0] as object).sort()).toEqual([
      'erased_at',
      'key_version',
      'person_ref',
      'reason',
      'requested_by',
    ]);
    expect(rows[0]).toMatchObject({
      requested_by: 'admin-1',
      reason: 'person-request',
      key_version: 1,
    });
    expect(
      (await pool.query('SELECT 1 FROM vault.person_keys WHERE person_ref = $1', [victim]))
        .rowCount,
    ).toBe(0);
  });

  it('hands out the keys of a whole batch at once, creating the missing ones, and names the erased among them', async () => {
    const existing = newPersonRef();
    const known = await sut.keyFor(existing);
    const fresh = Array.from({ length: 40 }, () => newPersonRef());

    const keys = await sut.keysFor([existing, ...fresh, existing]);

    expect(keys.size).toBe(41);
    expect(keys.get(existing)!.key.equals(known.key)).toBe(true);
    expect(new Set([...keys.values()].map((k) => k.key.toString('hex'))).size).toBe(41);
    const erased = fresh[3]!;
    await sut.erase(erased, 'admin-1', 'person-request');
    await expect(sut.keysFor([existing, erased, newPersonRef()])).rejects.toMatchObject({
      code: 'person-erased',
      personRefs: [erased],
    });
    await expect(sut.keysFor(['Rustam Karimov'])).rejects.toMatchObject({
      code: 'invalid-person-ref',
    });
  });

  it('creates keys for a caller that stores them in its own statement, and never stores one for an erased person', async () => {
    const fresh = newPersonRef();
    const { keys, rows } = sut.createKeys([fresh, fresh]);
    expect(rows).toHaveLength(1);
    const insert = (row: (typeof rows)[number]) =>
      pool.query(
        'INSERT INTO vault.person_keys (person_ref, key_version, master_kid, wrapped_key) VALUES ($1, $2, $3, $4)',
        [row.personRef, row.keyVersion, row.masterKid, row.wrappedKey],
      );
    await insert(rows[0]!);
    const sealed = await sut.encryptForPerson(fresh, 'Aziz Rakhimov');
    expect(keys.get(fresh)?.kid).toBe(sealed.kid);
    expect(await sut.decryptForPerson(fresh, sealed)).toBe('Aziz Rakhimov');
    const stored = sut.keyFromRow({
      personRef: fresh,
      keyVersion: 1,
      wrappedKey: rows[0]!.wrappedKey,
    });
    expect(stored.key.equals(keys.get(fresh)!.key)).toBe(true);

    // A second first key for the same person fails instead of replacing the one data is sealed under.
    await expect(insert(sut.createKeys([fresh]).rows[0]!)).rejects.toMatchObject({ code: '23505' });

    const erased = newPersonRef();
    await sut.erase(erased, 'admin-1', 'person-request');
    await expect(insert(sut.createKeys([erased]).rows[0]!)).rejects.toMatchObject({
      code: PERSON_ERASED_SQLSTATE,
    });
    expect(await sut.readKey(erased)).toBeNull();
  });

  it('migrates under a lock, so services starting together do not race on the schema', async () => {
    const other = await createTestDatabase('beacon_vault_race');
    try {
      const runs = await Promise.all([
        migrateVault(other.url),
        migrateVault(other.url),
        migrateVault(other.url),
      ]);
      expect(runs.flat()).toEqual(['VaultSchema1765000000000', 'NoKeyAfterErasure1765600000000']);
    } finally {
      await other.drop();
    }
  });

  it('refuses free text in the tombstone and malformed person references', async () => {
    await expect(
      sut.erase(newPersonRef(), 'admin-1', 'asked by her brother Timur'),
    ).rejects.toMatchObject({ code: 'invalid-erasure' });
    await expect(sut.keyFor('Rustam Karimov')).rejects.toMatchObject({
      code: 'invalid-person-ref',
    });
  });

  it('rotates the master key: every key is rewrapped, everything stays readable, and the old master key can go', async () => {
    const persons = Array.from({ length: 25 }, () => newPersonRef());
    const values = await Promise.all(persons.map((p, i) => sut.encryptForPerson(p, `person ${i}`)));
    const before = await dumpVault();

    const rotating = new PersonKeyVault(pool, keyRingFrom(mk2, [mk1]));
    const rewrapped = await rotating.rotateMaster('mk2', 7);
    expect(rewrapped).toBeGreaterThanOrEqual(persons.length);
    expect(await rotating.masterKeyUsage()).toEqual({ mk2: expect.any(Number) });
    expect(await rotating.rotateMaster('mk2')).toBe(0);
    expect(await dumpVault()).not.toBe(before);

    const afterRotation = new PersonKeyVault(pool, keyRingFrom(mk2));
    expect(await afterRotation.decryptMany(values)).toEqual(persons.map((_, i) => `person ${i}`));
    // New keys are wrapped under the new master key.
    await afterRotation.keyFor(newPersonRef());
    expect(Object.keys(await afterRotation.masterKeyUsage())).toEqual(['mk2']);
    // The old master key alone opens nothing any more.
    await expect(
      new PersonKeyVault(pool, keyRingFrom(mk1)).readKey(persons[0]!),
    ).rejects.toMatchObject({ code: 'unknown-master-key' });
    await expect(rotating.rotateMaster('mk3')).rejects.toMatchObject({
      code: 'unknown-master-key',
    });
  });

  it('stores no raw key: a dump of the vault tables contains no data key in any encoding', async () => {
    const reader = new PersonKeyVault(pool, keyRingFrom(mk2, [mk1]));
    const { rows } = await pool.query<{ person_ref: string }>(
      'SELECT person_ref FROM vault.person_keys',
    );
    const keys = await reader.readKeys(rows.map((r) => r.person_ref));
    expect(keys.size).toBeGreaterThan(25);
    const dump = await dumpVault();
    for (const { key } of keys.values()) {
      for (const encoded of encodings(key)) expect(dump).not.toContain(encoded);
    }
    for (const master of [mk1.key, mk2.key])
      for (const encoded of encodings(master)) expect(dump).not.toContain(encoded);
  });

  it('can cache unwrapped keys for a bounded time, and forgets an erased key at once in its own instance', async () => {
    let now = 1_000;
    const cached = new PersonKeyVault(pool, keyRingFrom(mk2, [mk1]), {
      cacheTtlMs: 60_000,
      now: () => now,
    });
    const person = newPersonRef();
    const value = await cached.encryptForPerson(person, 'cached');
    expect(await cached.decryptForPerson(person, value)).toBe('cached');
    await cached.erase(person, 'admin-1', 'person-request');
    expect(await cached.decryptForPerson(person, value)).toBeNull();
    now += 61_000;
    expect(await cached.decryptForPerson(person, value)).toBeNull();
  });
});
