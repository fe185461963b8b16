export {
  PersonKeyVault,
  VaultException,
  type Erasure,
  type NewKeyRow,
  PERSON_ERASED_SQLSTATE,
  type StoredKeyRow,
  type PersonKey,
  type VaultErrorCode,
  type VaultOptions,
} from './lib/person-key-vault.repository';
export { vaultMasterKeys } from './lib/vault.config';
export { migrateVault, VAULT_SCHEMA, vaultMigrations } from './lib/migrations';
