export {
  PersonKeyVault,
  VaultException,
  type Erasure,
  type PersonKey,
  type VaultErrorCode,
  type VaultOptions,
} from './lib/person-key-vault.repository';
export { vaultMasterKeys } from './lib/vault.config';
export { migrateVault, VAULT_SCHEMA, vaultMigrations } from './lib/migrations';
