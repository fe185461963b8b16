import { createPool, type PoolClient, runMigrations } from '@beacon/persistence';
import { VaultSchema1765000000000 } from './1765000000000-vault-schema.migration';
import { NoKeyAfterErasure1765600000000 } from './1765600000000-no-key-after-erasure.migration';

/** Run with `migrateVault(url)`: the services that share the vault may all start at once. */
export const vaultMigrations = [VaultSchema1765000000000, NoKeyAfterErasure1765600000000];
export const VAULT_SCHEMA = 'vault';

const LOCK = `hashtextextended('beacon-migrate:${VAULT_SCHEMA}', 0)`;

/**
 * Migrates the vault schema under a session advisory lock, so several services (or instances)
 * that use the vault can each run this at start-up without racing on the same migrations.
 */
export async function migrateVault(url: string): Promise<string[]> {
  const pool = createPool(url, 'vault-migrations', 1);
  const client = await pool.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(${LOCK})`);
    try {
      if (await ownedByOthers(client, VAULT_SCHEMA)) return [];
      return await runMigrations(url, VAULT_SCHEMA, vaultMigrations);
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${LOCK})`);
    }
  } finally {
    client.release();
    await pool.end();
  }
}

/**
 * A service running as a least-privileged role, whose database administrator created the vault
 * schema, may use it but not change it: migrating it is then the owner's job, not this service's.
 */
async function ownedByOthers(client: PoolClient, schema: string): Promise<boolean> {
  const { rows } = await client.query<{ others: boolean }>(
    `SELECT NOT has_schema_privilege(current_user, n.oid, 'CREATE') AS others FROM pg_namespace n WHERE n.nspname = $1`,
    [schema],
  );
  return rows[0]?.others ?? false;
}
