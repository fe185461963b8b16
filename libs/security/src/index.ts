export {
  constantTimeEqual,
  constantTimeEqualBytes,
  generateApiKey,
  hashApiKey,
  hashToken,
  newPersonRef,
  randomToken,
  registrationHash,
} from './lib/secrets';
export { decryptField, encryptField, keyRingFrom, type EncryptedValue, type KeyRing } from './lib/field-encryption';
export {
  generateDataKey,
  KeyUnwrapError,
  openWithDataKey,
  parseMasterKeys,
  parseWrappedKey,
  rewrapDataKey,
  sealWithDataKey,
  serializeWrappedKey,
  unwrapDataKey,
  wrapDataKey,
  type WrappedKey,
} from './lib/envelope';
export {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  hotp,
  totp,
  totpProvisioningUri,
  totpStep,
  verifyTotp,
  type TotpAlgorithm,
  type TotpOptions,
} from './lib/totp';
export {
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  needsRehash,
  verifyAgainstDummy,
  verifyPassword,
} from './lib/passwords';
