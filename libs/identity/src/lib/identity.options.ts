import { type AuditRecorder } from '@beacon/audit';
import { type KeyRing, parseMasterKeys } from '@beacon/security';
import { z } from 'zod';

export interface OidcOptions {
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
  /** Beacon's callback, registered with the provider: `<public url>/v1/auth/oidc/callback`. */
  redirectUri: string;
  /** The ID-token claim whose value is a Beacon username. */
  usernameClaim: string;
  /** `amr` values that count as a second factor for the roles that need one. */
  mfaAmrValues: readonly string[];
}

export interface IdentityModuleOptions {
  databaseUrl: string;
  poolSize?: number;
  /** `iss` of Beacon's access tokens, e.g. the console's public URL. */
  issuer: string;
  audience?: string;
  /** HS256 signing keys by kid; the current one signs, all verify (rotation). */
  accessTokenKeys: KeyRing;
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  /** Absolute session lifetime: refreshing never extends a login beyond this. */
  sessionMaxAgeSeconds?: number;
  /** Encrypts TOTP secrets at rest. */
  totpKeys: KeyRing;
  /** Shown in authenticator apps. */
  totpIssuer?: string;
  lockout?: { maxFailures?: number; lockSeconds?: number };
  oidc?: OidcOptions;
  /** Admin actions (create, disable, reset) are recorded here when given. */
  audit?: AuditRecorder;
  /** Mount the /v1/auth and /v1/admin/users controllers (default true); false for a CLI. */
  http?: boolean;
  now?: () => Date;
}

export interface ResolvedIdentityOptions extends Required<Omit<IdentityModuleOptions, 'oidc' | 'audit' | 'lockout'>> {
  oidc: OidcOptions | null;
  audit: AuditRecorder | null;
  lockout: { maxFailures: number; lockSeconds: number };
}

export const IDENTITY_OPTIONS = Symbol('IDENTITY_OPTIONS');
export const IDENTITY_POOL = Symbol('IDENTITY_POOL');

export function resolveIdentityOptions(options: IdentityModuleOptions): ResolvedIdentityOptions {
  const ttl = options.accessTokenTtlSeconds ?? 300;
  if (ttl < 30 || ttl > 600) throw new Error('access tokens live between 30 seconds and 10 minutes');
  for (const [kid, key] of options.accessTokenKeys.keys) if (key.length < 32) throw new Error(`access token key ${kid} must be at least 32 bytes`);
  return {
    databaseUrl: options.databaseUrl,
    poolSize: options.poolSize ?? 5,
    issuer: options.issuer,
    audience: options.audience ?? 'beacon',
    accessTokenKeys: options.accessTokenKeys,
    accessTokenTtlSeconds: ttl,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 8 * 3600,
    sessionMaxAgeSeconds: options.sessionMaxAgeSeconds ?? 12 * 3600,
    totpKeys: options.totpKeys,
    totpIssuer: options.totpIssuer ?? 'Beacon',
    lockout: { maxFailures: options.lockout?.maxFailures ?? 5, lockSeconds: options.lockout?.lockSeconds ?? 15 * 60 },
    oidc: options.oidc ?? null,
    audit: options.audit ?? null,
    http: options.http ?? true,
    now: options.now ?? (() => new Date()),
  };
}

const keyRing = z.string().transform((spec, ctx): KeyRing => {
  try {
    return parseMasterKeys(spec);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'invalid keys' });
    return z.NEVER;
  }
});

/**
 * The environment variables a service adds to its own schema to host accounts. Keys are
 * `kid:base64[,kid:base64…]` (first current), like VAULT_MASTER_KEYS.
 */
export const identityEnvShape = {
  AUTH_ISSUER: z.string().min(1).default('beacon'),
  AUTH_ACCESS_TOKEN_KEYS: keyRing,
  AUTH_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(600).default(300),
  AUTH_REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(8 * 3600),
  AUTH_SESSION_MAX_AGE_SECONDS: z.coerce.number().int().min(60).max(30 * 24 * 3600).default(12 * 3600),
  AUTH_TOTP_KEYS: keyRing,
  AUTH_LOCKOUT_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  AUTH_LOCKOUT_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).default(900),
  OIDC_ISSUER_URL: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(16).optional(),
  OIDC_REDIRECT_URI: z.string().url().optional(),
  OIDC_USERNAME_CLAIM: z.string().min(1).default('preferred_username'),
  OIDC_MFA_AMR: z.string().default('mfa,otp,hwk').transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
};
export const identityEnvSchema = z.object(identityEnvShape);
export type IdentityEnv = z.infer<typeof identityEnvSchema>;

/** Module options from the parsed variables; OIDC is on only when all four OIDC_* are set. */
export function identityOptionsFromEnv(
  env: IdentityEnv,
  extra: { databaseUrl: string; audit?: AuditRecorder; http?: boolean },
): IdentityModuleOptions {
  const oidcSet = [env.OIDC_ISSUER_URL, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET, env.OIDC_REDIRECT_URI];
  if (oidcSet.some(Boolean) && !oidcSet.every(Boolean)) {
    throw new Error('OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_REDIRECT_URI are set together or not at all');
  }
  return {
    ...extra,
    issuer: env.AUTH_ISSUER,
    accessTokenKeys: env.AUTH_ACCESS_TOKEN_KEYS,
    accessTokenTtlSeconds: env.AUTH_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: env.AUTH_REFRESH_TOKEN_TTL_SECONDS,
    sessionMaxAgeSeconds: env.AUTH_SESSION_MAX_AGE_SECONDS,
    totpKeys: env.AUTH_TOTP_KEYS,
    lockout: { maxFailures: env.AUTH_LOCKOUT_MAX_FAILURES, lockSeconds: env.AUTH_LOCKOUT_SECONDS },
    ...(env.OIDC_ISSUER_URL && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET && env.OIDC_REDIRECT_URI
      ? {
          oidc: {
            issuerUrl: env.OIDC_ISSUER_URL,
            clientId: env.OIDC_CLIENT_ID,
            clientSecret: env.OIDC_CLIENT_SECRET,
            redirectUri: env.OIDC_REDIRECT_URI,
            usernameClaim: env.OIDC_USERNAME_CLAIM,
            mfaAmrValues: env.OIDC_MFA_AMR,
          },
        }
      : {}),
  };
}
