export { constantTimeEqual, generateApiKey, hashApiKey, newPersonRef, registrationHash } from './lib/secrets';
export { decryptField, encryptField, keyRingFrom, type EncryptedValue, type KeyRing } from './lib/field-encryption';
