import { type KeyRing, parseMasterKeys } from '@beacon/security';
import { z } from 'zod';

/**
 * `VAULT_MASTER_KEYS`: `kid:base64key[,kid:base64key…]`, the first wraps new keys, the others
 * are kept only until a rotation has rewrapped everything under the first.
 */
export const vaultMasterKeys = z.string().transform((spec, ctx): KeyRing => {
  try {
    return parseMasterKeys(spec);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: error instanceof Error ? error.message : 'invalid master keys',
    });
    return z.NEVER;
  }
});
