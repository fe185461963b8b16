import { migrateAudit } from '@beacon/audit';
import { IDENTITY_SCHEMA, identityMigrations } from '@beacon/identity';
import { runMigrations } from '@beacon/persistence';
import { migrateVault } from '@beacon/vault';
import { ConsoleSchema1765300000000 } from './1765300000000-console-schema.migration';

export const consoleMigrations = [ConsoleSchema1765300000000];
export const CONSOLE_SCHEMA = 'console';

/**
 * Everything the console needs before it starts: its own schema (referrals), the accounts it
 * hosts, and the shared audit log and vault (whichever service starts first creates those).
 */
export async function migrateConsole(url: string): Promise<string[]> {
  return [
    ...(await runMigrations(url, CONSOLE_SCHEMA, consoleMigrations)),
    ...(await runMigrations(url, IDENTITY_SCHEMA, identityMigrations)),
    ...(await migrateAudit(url)),
    ...(await migrateVault(url)),
  ];
}
