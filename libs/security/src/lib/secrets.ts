import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** API keys are 256-bit random strings, so a plain SHA-256 is a sufficient at-rest hash. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}

/** Registration numbers are matched by keyed hash only, after normalising how people type them. */
export function registrationHash(hmacKey: Buffer, registrationNumber: string): string {
  const normalised = registrationNumber.toUpperCase().replace(/[^0-9A-Z]/g, '');
  return createHmac('sha256', hmacKey).update(normalised, 'utf8').digest('hex');
}

/** A pseudonymous reference that says nothing about the person it stands for. */
export function newPersonRef(): string {
  return `p_${randomBytes(12).toString('base64url')}`;
}

/** Compares two byte strings without leaking, through timing, where they first differ. */
export function constantTimeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    // Still spend a comparison, so a wrong length costs what a wrong value costs.
    timingSafeEqual(Buffer.from(a), Buffer.from(a));
    return false;
  }
  return timingSafeEqual(a, b);
}

/** An opaque bearer secret (refresh tokens, challenges): 256 random bits, base64url. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** At-rest form of a high-entropy token: a slow hash adds nothing when the input is 256 random bits. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
