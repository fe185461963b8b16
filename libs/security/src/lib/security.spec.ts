import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  constantTimeEqual,
  decryptField,
  encryptField,
  generateApiKey,
  hashApiKey,
  keyRingFrom,
  registrationHash,
} from '../index';

describe('field encryption', () => {
  const ring = keyRingFrom({ kid: 'k1', key: randomBytes(32) });

  it('round-trips any text and never leaves it readable in the ciphertext', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 3 }), (text) => {
        const sut = encryptField(ring, text);
        expect(JSON.stringify(sut)).not.toContain(JSON.stringify(text).slice(1, -1));
        expect(decryptField(ring, sut)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it('cannot be read once the key is gone, or after tampering', () => {
    const sut = encryptField(ring, 'Rustam Karimov');
    const other = keyRingFrom({ kid: 'k2', key: randomBytes(32) });
    expect(decryptField(other, sut)).toBeNull();
    expect(decryptField(ring, { ...sut, ct: Buffer.from('x').toString('base64url') })).toBeNull();
    expect(decryptField(ring, { ...sut, kid: 'k2' })).toBeNull();
  });

  it('reads values written under an older key after rotation', () => {
    const old = { kid: 'k1', key: randomBytes(32) };
    const value = encryptField(keyRingFrom(old), 'secret');
    const rotated = keyRingFrom({ kid: 'k2', key: randomBytes(32) }, [old]);
    expect(decryptField(rotated, value)).toBe('secret');
    expect(encryptField(rotated, 'x').kid).toBe('k2');
  });
});

describe(registrationHash.name, () => {
  it('matches the same number however it is typed, and hides it', () => {
    const key = randomBytes(32);
    const sut = registrationHash(key, '123-09c12345');
    expect(registrationHash(key, '12309C12345')).toBe(sut);
    expect(registrationHash(key, ' 123 09C 12345 ')).toBe(sut);
    expect(sut).not.toContain('12345');
    expect(registrationHash(randomBytes(32), '12309C12345')).not.toBe(sut);
  });
});

describe('api keys', () => {
  it('are random, hashed deterministically, and compared in constant time', () => {
    const a = generateApiKey('bk');
    const b = generateApiKey('bk');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^bk_[A-Za-z0-9_-]{43}$/);
    expect(hashApiKey(a)).toBe(hashApiKey(a));
    expect(hashApiKey(a)).not.toBe(hashApiKey(b));
    expect(constantTimeEqual(a, a)).toBe(true);
    expect(constantTimeEqual(a, b)).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});
