import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id with OWASP's first recommended profile (19 MiB, 2 passes, 1 lane): about 20-40 ms
 * on one core, which bounds how many logins an instance can check per second.
 */
const ARGON2ID = 2;
const PROFILE = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

/** Longer input only costs CPU; no real passphrase needs more. */
export const MAX_PASSWORD_LENGTH = 256;
export const MIN_PASSWORD_LENGTH = 12;

export async function hashPassword(password: string): Promise<string> {
  if (password.length > MAX_PASSWORD_LENGTH) throw new Error('password too long');
  return hash(password, PROFILE);
}

/** False for a wrong password, a malformed hash or an over-long input; never throws. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Spends the same time as checking a real password, for a user who does not exist, so the
 * response time does not tell an attacker which usernames are real.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hash('not-a-real-password', PROFILE);
  await verifyPassword(await dummy, password.slice(0, MAX_PASSWORD_LENGTH));
  return false;
}

/** True when a stored hash uses weaker parameters than today's profile and should be rehashed at login. */
export function needsRehash(passwordHash: string): boolean {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(passwordHash);
  if (!match) return true;
  return Number(match[1]) < PROFILE.memoryCost || Number(match[2]) < PROFILE.timeCost;
}
