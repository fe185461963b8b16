import { createPool, type PoolClient, runMigrations } from '@beacon/persistence';
import { AuditSchema1765000000100 } from './1765000000100-audit-schema.migration';

/** Run with `migrateAudit(url)` by every service that writes or reads the log. */
export const auditMigrations = [AuditSchema1765000000100];
export const AUDIT_SCHEMA = 'audit';

/**
 * Migrates the audit schema under a session advisory lock: several services record into the
 * same log and each may be the first to start.
 */
export async function migrateAudit(url: string): Promise<string[]> {
  const pool = createPool(url, 'audit-migrations', 1);
  const client = await pool.connect();
  const lock = `hashtextextended('beacon-migrate:${AUDIT_SCHEMA}', 0)`;
  try {
    await client.query(`SELECT pg_advisory_lock(${lock})`);
    try {
      if (await ownedByOthers(client, AUDIT_SCHEMA)) return [];
      return await runMigrations(url, AUDIT_SCHEMA, auditMigrations);
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${lock})`);
    }
  } finally {
    client.release();
    await pool.end();
  }
}

/**
 * Grants for a service's own database role: append and read, never change. Run once by a
 * database administrator; the triggers hold even for the owner, these keep the rest out.
 */
export function auditWriterGrantsSql(role: string): string[] {
  if (!/^[a-z_][a-z0-9_]*$/.test(role)) throw new Error(`unsafe role name: ${role}`);
  return [
    `GRANT USAGE ON SCHEMA audit TO ${role}`,
    `GRANT SELECT, INSERT ON audit.entries, audit.alerts TO ${role}`,
    `REVOKE UPDATE, DELETE, TRUNCATE ON audit.entries, audit.alerts FROM ${role}`,
  ];
}

/**
 * A service running as a least-privileged role, whose database administrator created the shared
 * schema, may use it but not change it: migrating it is then the owner's job, not this service's.
 */
async function ownedByOthers(client: PoolClient, schema: string): Promise<boolean> {
  const { rows } = await client.query<{ others: boolean }>(
    `SELECT NOT has_schema_privilege(current_user, n.oid, 'CREATE') AS others FROM pg_namespace n WHERE n.nspname = $1`,
    [schema],
  );
  return rows[0]?.others ?? false;
}
