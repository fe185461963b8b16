import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signs the references we hand to SMS providers for their delivery reports. */
export function callbackSignature(secret: string, purpose: string, reference: string): string {
  return createHmac('sha256', secret)
    .update(`beacon-${purpose}.v1.${reference}`)
    .digest('base64url')
    .slice(0, 32);
}

export function verifyCallbackSignature(
  secret: string,
  purpose: string,
  reference: string,
  signature: string,
): boolean {
  const expected = Buffer.from(callbackSignature(secret, purpose, reference));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
