import { IdentitySchema1765000000200 } from './1765000000200-identity-schema.migration';

/** Run with `runMigrations(url, IDENTITY_SCHEMA, identityMigrations)` by the service that hosts accounts. */
export const identityMigrations = [IdentitySchema1765000000200];
export const IDENTITY_SCHEMA = 'identity';
