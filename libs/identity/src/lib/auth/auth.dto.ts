import { MAX_PASSWORD_LENGTH } from '@beacon/security';
import { z } from 'zod';

const totp = z.string().regex(/^\d{6}$/, 'Expected the 6-digit code from the authenticator app');
const opaqueToken = z.string().min(16).max(4096);

export const loginSchema = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
  totp: totp.optional(),
});
export const totpStepSchema = z.strictObject({ challengeToken: opaqueToken, totp });
export const refreshSchema = z.strictObject({ refreshToken: opaqueToken });
export const changePasswordSchema = z.strictObject({
  currentPassword: z.string().min(1).max(MAX_PASSWORD_LENGTH),
  newPassword: z.string().max(MAX_PASSWORD_LENGTH),
});
