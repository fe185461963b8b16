import {
  type EncryptedValue,
  generateDataKey,
  type KeyRing,
  openWithDataKey,
  parseWrappedKey,
  rewrapDataKey,
  sealWithDataKey,
  serializeWrappedKey,
  unwrapDataKey,
  wrapDataKey,
} from '@beacon/security';
import { type Pool, type PoolClient } from 'pg';

const PERSON_REF = /^p_[A-Za-z0-9_-]{16,62}$/;
const OPAQUE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const REASON = /^[a-z][a-z0-9-]{0,47}$/;
const KID = /^pk:(p_[A-Za-z0-9_-]{16,62}):(\d{1,9})$/;

export type VaultErrorCode =
  'person-erased' | 'invalid-person-ref' | 'invalid-erasure' | 'unknown-master-key';

export class VaultException extends Error {
  override readonly name = 'VaultException';
  constructor(
    readonly code: VaultErrorCode,
    message: string,
    /** For `person-erased`: the erased references among those asked for. */
    readonly personRefs: readonly string[] = [],
  ) {
    super(message);
  }
}

export interface PersonKey {
  personRef: string;
  /** Goes into the `kid` of every value sealed under this key: `pk:<personRef>:<version>`. */
  kid: string;
  key: Buffer;
}

/** A new data key, wrapped, as a row of `vault.person_keys` for the caller to insert. */
export interface NewKeyRow {
  personRef: string;
  keyVersion: 1;
  masterKid: string;
  wrappedKey: string;
}

/** A key row the caller read from `vault.person_keys` in a query of its own. */
export interface StoredKeyRow {
  personRef: string;
  keyVersion: number;
  wrappedKey: string;
}

/**
 * SQLSTATE of the refusal `vault.person_keys` gives an insert for an erased person: the caller
 * that inserts `NewKeyRow`s in its own statement sees it when an erasure won the race.
 */
export const PERSON_ERASED_SQLSTATE = 'BV001';

export interface Erasure {
  personRef: string;
  erasedAt: Date;
  /** False when the person had already been erased: erasure is idempotent. */
  destroyedNow: boolean;
}

export interface VaultOptions {
  /**
   * How long an unwrapped key may be kept in memory. 0 (the default) reads the vault every
   * time, so an erasure by another instance takes effect at once; a positive value trades
   * that for fewer queries, and erasure then takes up to this long to reach this instance.
   */
  cacheTtlMs?: number;
  now?: () => number;
}

/**
 * Per-person data keys (AES-256), wrapped at rest by a master key from the environment.
 * Destroying a person's key erases every value sealed under it, wherever the ciphertext lives.
 */
export class PersonKeyVault {
  private readonly cache = new Map<string, { key: PersonKey; until: number }>();
  private readonly ttl: number;
  private readonly now: () => number;

  constructor(
    private readonly pool: Pool,
    private readonly masters: KeyRing,
    options: VaultOptions = {},
  ) {
    this.ttl = options.cacheTtlMs ?? 0;
    this.now = options.now ?? Date.now;
  }

  static kidOf(personRef: string, version: number): string {
    return `pk:${personRef}:${version}`;
  }

  /** The person reference a sealed value belongs to, read from its kid; null if it is not a person key. */
  static personOf(value: Pick<EncryptedValue, 'kid'>): string | null {
    return KID.exec(value.kid)?.[1] ?? null;
  }

  /** The person's key, created on first use. Throws `person-erased` for an erased person. */
  async keyFor(personRef: string): Promise<PersonKey> {
    const key = (await this.keysFor([personRef])).get(personRef);
    if (!key) throw new Error('vault returned no key');
    return key;
  }

  /**
   * Keys for many persons, creating the missing ones, in three queries whatever the count (a
   * batch of reports). Throws `person-erased`, naming the erased references, if any is erased.
   */
  async keysFor(personRefs: readonly string[]): Promise<Map<string, PersonKey>> {
    const refs = [...new Set(personRefs)];
    refs.forEach(assertPersonRef);
    const keys = await this.readKeys(refs);
    const missing = refs.filter((ref) => !keys.has(ref));
    if (missing.length === 0) return keys;
    const wrapped = missing.map((ref) => {
      const dataKey = generateDataKey();
      try {
        return serializeWrappedKey(wrapDataKey(this.masters, dataKey, ref));
      } finally {
        dataKey.fill(0);
      }
    });
    // The tombstone check and the insert are one statement, so a concurrent erase cannot slip between.
    await this.pool.query(
      `INSERT INTO vault.person_keys (person_ref, key_version, master_kid, wrapped_key)
       SELECT t.ref, 1, $3, t.wrapped FROM UNNEST($1::text[], $2::text[]) AS t(ref, wrapped)
        WHERE NOT EXISTS (SELECT 1 FROM vault.erasures e WHERE e.person_ref = t.ref)
       ON CONFLICT (person_ref) DO NOTHING`,
      [missing, wrapped, this.masters.currentKid],
    );
    // Whoever won a concurrent creation, everyone now uses the stored key.
    for (const [ref, key] of await this.loadKeys(missing)) keys.set(ref, key);
    const erased = missing.filter((ref) => !keys.has(ref));
    if (erased.length > 0) {
      throw new VaultException(
        'person-erased',
        'this person was erased; new data about them needs a new person reference',
        erased,
      );
    }
    return keys;
  }

  /**
   * Data keys for persons who have none yet, without touching the database: the caller inserts
   * the rows into `vault.person_keys` in the same statement as the data it seals with them, so
   * a write that commits always has its key and one that fails leaves none behind. The insert
   * must not skip conflicts: a duplicate (a concurrent first report about the same person) or
   * an erased person (refused with `PERSON_ERASED_SQLSTATE`) fails the statement, and the caller
   * tries again with `keysFor`.
   */
  createKeys(personRefs: readonly string[]): { keys: Map<string, PersonKey>; rows: NewKeyRow[] } {
    const keys = new Map<string, PersonKey>();
    const rows: NewKeyRow[] = [];
    for (const ref of new Set(personRefs)) {
      assertPersonRef(ref);
      const dataKey = generateDataKey();
      rows.push({
        personRef: ref,
        keyVersion: 1,
        masterKid: this.masters.currentKid,
        wrappedKey: serializeWrappedKey(wrapDataKey(this.masters, dataKey, ref)),
      });
      keys.set(ref, { personRef: ref, kid: PersonKeyVault.kidOf(ref, 1), key: dataKey });
    }
    return { keys, rows };
  }

  /** The key of a row the caller read from `vault.person_keys` itself (joined into its own query). */
  keyFromRow(row: StoredKeyRow): PersonKey {
    assertPersonRef(row.personRef);
    return this.unwrapRow(row);
  }

  /** The person's key, or null when there is none (never created, or erased). */
  async readKey(personRef: string): Promise<PersonKey | null> {
    if (!PERSON_REF.test(personRef)) return null;
    const cached = this.cache.get(personRef);
    if (cached && cached.until > this.now()) return cached.key;
    const keys = await this.loadKeys([personRef]);
    return keys.get(personRef) ?? null;
  }

  /** Keys for many persons in one query (list views, rebuilds); erased or unknown persons are absent. */
  async readKeys(personRefs: readonly string[]): Promise<Map<string, PersonKey>> {
    const result = new Map<string, PersonKey>();
    const missing: string[] = [];
    for (const ref of new Set(personRefs)) {
      if (!PERSON_REF.test(ref)) continue;
      const cached = this.cache.get(ref);
      if (cached && cached.until > this.now()) result.set(ref, cached.key);
      else missing.push(ref);
    }
    if (missing.length > 0)
      for (const [ref, key] of await this.loadKeys(missing)) result.set(ref, key);
    return result;
  }

  async isErased(personRef: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'SELECT 1 FROM vault.erasures WHERE person_ref = $1',
      [personRef],
    );
    return (rowCount ?? 0) > 0;
  }

  async encryptForPerson(personRef: string, plaintext: string): Promise<EncryptedValue> {
    const { kid, key } = await this.keyFor(personRef);
    return sealWithDataKey(key, kid, plaintext);
  }

  /**
   * The plaintext, or null when the person is erased, the value belongs to someone else, or
   * it was altered. Callers show null as "erased", never as an error.
   */
  async decryptForPerson(personRef: string, value: EncryptedValue): Promise<string | null> {
    if (PersonKeyVault.personOf(value) !== personRef) return null;
    const key = await this.readKey(personRef);
    if (!key || key.kid !== value.kid) return null;
    return openWithDataKey(key.key, value);
  }

  /** Decrypts many values (of any persons) with one vault query. */
  async decryptMany(values: readonly EncryptedValue[]): Promise<(string | null)[]> {
    const refs = values
      .map((v) => PersonKeyVault.personOf(v))
      .filter((r): r is string => r !== null);
    const keys = await this.readKeys(refs);
    return values.map((value) => {
      const ref = PersonKeyVault.personOf(value);
      const key = ref ? keys.get(ref) : undefined;
      return key && key.kid === value.kid ? openWithDataKey(key.key, value) : null;
    });
  }

  /**
   * Crypto-shredding: deletes the wrapped key and leaves a tombstone with no key material.
   * Afterwards nothing sealed under the key can be read, on Kafka or anywhere else.
   */
  async erase(personRef: string, requestedBy: string, reason: string): Promise<Erasure> {
    assertPersonRef(personRef);
    // The tombstone is kept for good, so it holds codes and opaque ids only, never free text.
    if (!OPAQUE.test(requestedBy))
      throw new VaultException('invalid-erasure', 'requestedBy must be an opaque user id');
    if (!REASON.test(reason))
      throw new VaultException(
        'invalid-erasure',
        'reason must be a short code such as "person-request" or "retention"',
      );
    this.cache.delete(personRef);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const deleted = await client.query<{ key_version: number }>(
        'DELETE FROM vault.person_keys WHERE person_ref = $1 RETURNING key_version',
        [personRef],
      );
      const inserted = await client.query<{ erased_at: Date }>(
        `INSERT INTO vault.erasures (person_ref, key_version, requested_by, reason)
         VALUES ($1, $2, $3, $4) ON CONFLICT (person_ref) DO NOTHING RETURNING erased_at`,
        [personRef, deleted.rows[0]?.key_version ?? null, requestedBy, reason],
      );
      const existing = inserted.rows[0]
        ? inserted.rows[0]
        : (
            await client.query<{ erased_at: Date }>(
              'SELECT erased_at FROM vault.erasures WHERE person_ref = $1',
              [personRef],
            )
          ).rows[0];
      await client.query('COMMIT');
      return { personRef, erasedAt: existing!.erased_at, destroyedNow: inserted.rows.length > 0 };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Rewraps every key not yet under `newKid`, in batches of `batchSize`, each batch its own
   * transaction, so rotation can run while the services work. Returns how many were rewrapped.
   */
  async rotateMaster(newKid: string, batchSize = 500): Promise<number> {
    if (!this.masters.keys.has(newKid)) {
      throw new VaultException('unknown-master-key', `master key ${newKid} is not configured`);
    }
    const target: KeyRing = { currentKid: newKid, keys: this.masters.keys };
    let total = 0;
    for (;;) {
      const done = await this.inTransaction(async (client) => {
        const { rows } = await client.query<{ person_ref: string; wrapped_key: string }>(
          `SELECT person_ref, wrapped_key FROM vault.person_keys
            WHERE master_kid <> $1 ORDER BY person_ref LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [newKid, batchSize],
        );
        if (rows.length === 0) return 0;
        const refs: string[] = [];
        const wrapped: string[] = [];
        for (const row of rows) {
          refs.push(row.person_ref);
          wrapped.push(
            serializeWrappedKey(
              rewrapDataKey(target, parseWrappedKey(row.wrapped_key), row.person_ref),
            ),
          );
        }
        await client.query(
          `UPDATE vault.person_keys k SET wrapped_key = v.wrapped_key, master_kid = $3, rewrapped_at = now()
             FROM UNNEST($1::text[], $2::text[]) AS v(person_ref, wrapped_key)
            WHERE k.person_ref = v.person_ref`,
          [refs, wrapped, newKid],
        );
        return rows.length;
      });
      total += done;
      if (done < batchSize) return total;
    }
  }

  /** How many keys each master key wraps: an old master key may be dropped once its count is 0. */
  async masterKeyUsage(): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ master_kid: string; count: string }>(
      'SELECT master_kid, count(*) AS count FROM vault.person_keys GROUP BY master_kid',
    );
    return Object.fromEntries(rows.map((r) => [r.master_kid, Number(r.count)]));
  }

  private async loadKeys(personRefs: readonly string[]): Promise<Map<string, PersonKey>> {
    const { rows } = await this.pool.query<{
      person_ref: string;
      key_version: number;
      wrapped_key: string;
    }>(
      'SELECT person_ref, key_version, wrapped_key FROM vault.person_keys WHERE person_ref = ANY($1::text[])',
      [personRefs],
    );
    const result = new Map<string, PersonKey>();
    for (const row of rows) {
      const key = this.unwrapRow({
        personRef: row.person_ref,
        keyVersion: row.key_version,
        wrappedKey: row.wrapped_key,
      });
      if (this.ttl > 0) this.cache.set(row.person_ref, { key, until: this.now() + this.ttl });
      result.set(row.person_ref, key);
    }
    return result;
  }

  private unwrapRow(row: StoredKeyRow): PersonKey {
    const wrapped = parseWrappedKey(row.wrappedKey);
    if (!this.masters.keys.has(wrapped.kid)) {
      throw new VaultException(
        'unknown-master-key',
        `a person key is wrapped under master key ${wrapped.kid}, which is not configured`,
      );
    }
    return {
      personRef: row.personRef,
      kid: PersonKeyVault.kidOf(row.personRef, row.keyVersion),
      key: unwrapDataKey(this.masters, wrapped, row.personRef),
    };
  }

  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

function assertPersonRef(personRef: string): void {
  if (!PERSON_REF.test(personRef)) {
    throw new VaultException(
      'invalid-person-ref',
      'expected a pseudonymous person reference such as "p_" + 16 url-safe characters',
    );
  }
}
