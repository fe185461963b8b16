import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface EncryptedValue {
  alg: 'A256GCM';
  kid: string;
  iv: string;
  ct: string;
  tag: string;
}

export interface KeyRing {
  /** Key id used for new encryptions. */
  currentKid: string;
  keys: ReadonlyMap<string, Buffer>;
}

export function keyRingFrom(current: { kid: string; key: Buffer }, older: { kid: string; key: Buffer }[] = []): KeyRing {
  for (const { kid, key } of [current, ...older]) {
    if (key.length !== 32) throw new Error(`key ${kid} must be 32 bytes`);
  }
  return { currentKid: current.kid, keys: new Map([[current.kid, current.key], ...older.map((k) => [k.kid, k.key] as const)]) };
}

/** AES-256-GCM with the key id bound as additional data, so a ciphertext can't be moved to another key. */
export function encryptField(ring: KeyRing, plaintext: string): EncryptedValue {
  const key = ring.keys.get(ring.currentKid);
  if (!key) throw new Error('current key missing from key ring');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(ring.currentKid, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    alg: 'A256GCM',
    kid: ring.currentKid,
    iv: iv.toString('base64url'),
    ct: ct.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
  };
}

/** Returns null when the key is gone (erased) or the value was tampered with. */
export function decryptField(ring: KeyRing, value: EncryptedValue): string | null {
  const key = ring.keys.get(value.kid);
  if (!key) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(value.iv, 'base64url'));
    decipher.setAAD(Buffer.from(value.kid, 'utf8'));
    decipher.setAuthTag(Buffer.from(value.tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(value.ct, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
