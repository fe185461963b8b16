import { VaultSchema1765000000000 } from './1765000000000-vault-schema.migration';

/** Run with `runMigrations(url, VAULT_SCHEMA, vaultMigrations)` by the service that owns the vault. */
export const vaultMigrations = [VaultSchema1765000000000];
export const VAULT_SCHEMA = 'vault';
