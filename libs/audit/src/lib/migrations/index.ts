import { AuditSchema1765000000100 } from './1765000000100-audit-schema.migration';

/** Run with `runMigrations(url, AUDIT_SCHEMA, auditMigrations)` by the service that owns the log. */
export const auditMigrations = [AuditSchema1765000000100];
export const AUDIT_SCHEMA = 'audit';

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
