import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { type EncryptedValue, type KeyRing } from './field-encryption';

/** A data key wrapped (encrypted) under a master key; the only form in which a data key is stored. */
export interface WrappedKey {
  /** Master key id the data key is wrapped under. */
  kid: string;
  iv: string;
  ct: string;
  tag: string;
}

export class KeyUnwrapError extends Error {
  override readonly name = 'KeyUnwrapError';
}

const WRAP_FORMAT = 'w1';

/** A fresh random 256-bit data key. */
export function generateDataKey(): Buffer {
  return randomBytes(32);
}

/**
 * Wraps a data key under the ring's current master key with AES-256-GCM. The context (for
 * example the person reference) is bound as additional data, so a wrapped key copied onto
 * another person's row fails to unwrap instead of silently decrypting that person's data.
 */
export function wrapDataKey(masters: KeyRing, dataKey: Buffer, context: string): WrappedKey {
  if (dataKey.length !== 32) throw new Error('data keys are 32 bytes');
  const master = masters.keys.get(masters.currentKid);
  if (!master) throw new Error('current master key missing from key ring');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master, iv);
  cipher.setAAD(wrapAad(masters.currentKid, context));
  const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return {
    kid: masters.currentKid,
    iv: iv.toString('base64url'),
    ct: ct.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
  };
}

/** Throws KeyUnwrapError when the master key is unknown or the wrapped key was altered or moved. */
export function unwrapDataKey(masters: KeyRing, wrapped: WrappedKey, context: string): Buffer {
  const master = masters.keys.get(wrapped.kid);
  if (!master) throw new KeyUnwrapError(`master key ${wrapped.kid} is not configured`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', master, Buffer.from(wrapped.iv, 'base64url'));
    decipher.setAAD(wrapAad(wrapped.kid, context));
    decipher.setAuthTag(Buffer.from(wrapped.tag, 'base64url'));
    const key = Buffer.concat([decipher.update(Buffer.from(wrapped.ct, 'base64url')), decipher.final()]);
    if (key.length !== 32) throw new Error('bad length');
    return key;
  } catch {
    throw new KeyUnwrapError(`wrapped key under ${wrapped.kid} failed authentication`);
  }
}

/** Master-key rotation: the same data key, wrapped under the ring's current master key. */
export function rewrapDataKey(masters: KeyRing, wrapped: WrappedKey, context: string): WrappedKey {
  const key = unwrapDataKey(masters, wrapped, context);
  try {
    return wrapDataKey(masters, key, context);
  } finally {
    key.fill(0);
  }
}

export function serializeWrappedKey(wrapped: WrappedKey): string {
  return [WRAP_FORMAT, wrapped.kid, wrapped.iv, wrapped.ct, wrapped.tag].join('.');
}

export function parseWrappedKey(text: string): WrappedKey {
  const [format, kid, iv, ct, tag, ...rest] = text.split('.');
  if (format !== WRAP_FORMAT || !kid || !iv || !ct || !tag || rest.length > 0) {
    throw new KeyUnwrapError('not a wrapped key');
  }
  return { kid, iv, ct, tag };
}

/** AES-256-GCM under a data key, with the key id as additional data (the EncryptedValue of @beacon/events). */
export function sealWithDataKey(dataKey: Buffer, kid: string, plaintext: string): EncryptedValue {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    alg: 'A256GCM',
    kid,
    iv: iv.toString('base64url'),
    ct: ct.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
  };
}

/** Null when the value was not written under this key or was altered. */
export function openWithDataKey(dataKey: Buffer, value: EncryptedValue): string | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(value.iv, 'base64url'));
    decipher.setAAD(Buffer.from(value.kid, 'utf8'));
    decipher.setAuthTag(Buffer.from(value.tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(value.ct, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/**
 * Parses master keys from one environment variable: `kid:base64key[,kid:base64key…]`, the
 * first being current (used to wrap) and the rest still accepted to unwrap during rotation.
 */
export function parseMasterKeys(spec: string): KeyRing {
  const entries = spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part, index) => {
      const colon = part.indexOf(':');
      const kid = colon > 0 ? part.slice(0, colon) : '';
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid)) {
        throw new Error(`master key #${index + 1}: expected "kid:base64key" with a kid of 1-32 letters, digits, "_" or "-"`);
      }
      const key = Buffer.from(part.slice(colon + 1), 'base64');
      if (key.length !== 32) throw new Error(`master key ${kid}: must be 32 bytes encoded as base64`);
      return { kid, key };
    });
  const [current] = entries;
  if (!current) throw new Error('no master key given');
  if (new Set(entries.map((e) => e.kid)).size !== entries.length) throw new Error('master key ids must not repeat');
  return { currentKid: current.kid, keys: new Map(entries.map((e) => [e.kid, e.key] as const)) };
}

function wrapAad(kid: string, context: string): Buffer {
  return Buffer.from(`beacon-wrap\u0000${kid}\u0000${context}`, 'utf8');
}
