import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import {
  generateDataKey,
  KeyUnwrapError,
  keyRingFrom,
  openWithDataKey,
  parseMasterKeys,
  parseWrappedKey,
  rewrapDataKey,
  sealWithDataKey,
  serializeWrappedKey,
  unwrapDataKey,
  wrapDataKey,
} from '../index';

describe('envelope encryption', () => {
  const mk1 = { kid: 'mk1', key: randomBytes(32) };
  const mk2 = { kid: 'mk2', key: randomBytes(32) };
  const masters = keyRingFrom(mk1);

  it('wraps a data key so that only the master key and the same context unwrap it', () => {
    const dataKey = generateDataKey();
    const sut = wrapDataKey(masters, dataKey, 'p_AAAAAAAAAAAAAAAA');
    expect(unwrapDataKey(masters, sut, 'p_AAAAAAAAAAAAAAAA')).toEqual(dataKey);
    expect(JSON.stringify(sut)).not.toContain(dataKey.toString('base64url'));
    expect(() => unwrapDataKey(masters, sut, 'p_BBBBBBBBBBBBBBBB')).toThrow(KeyUnwrapError);
    expect(() => unwrapDataKey(keyRingFrom({ kid: 'mk1', key: randomBytes(32) }), sut, 'p_AAAAAAAAAAAAAAAA')).toThrow(KeyUnwrapError);
    expect(() => unwrapDataKey(keyRingFrom(mk2), sut, 'p_AAAAAAAAAAAAAAAA')).toThrow('master key mk1 is not configured');
  });

  it('rewraps under the new master key for rotation, after which the old master key is not needed', () => {
    const dataKey = generateDataKey();
    const old = wrapDataKey(masters, dataKey, 'ctx');
    const rotating = keyRingFrom(mk2, [mk1]);
    const sut = rewrapDataKey(rotating, old, 'ctx');
    expect(sut.kid).toBe('mk2');
    expect(unwrapDataKey(keyRingFrom(mk2), sut, 'ctx')).toEqual(dataKey);
  });

  it('serialises wrapped keys to one text column and back', () => {
    const sut = wrapDataKey(masters, generateDataKey(), 'ctx');
    expect(parseWrappedKey(serializeWrappedKey(sut))).toEqual(sut);
    expect(() => parseWrappedKey('w1.mk1.only-three')).toThrow(KeyUnwrapError);
  });

  it('seals values in the EncryptedValue shape of the event catalogue, bound to their key id', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), (text) => {
        const key = generateDataKey();
        const sut = sealWithDataKey(key, 'pk:p_AAAAAAAAAAAAAAAA:1', text);
        expect(sut).toMatchObject({ alg: 'A256GCM', kid: 'pk:p_AAAAAAAAAAAAAAAA:1' });
        expect(sut.iv).toMatch(/^[A-Za-z0-9_-]{16}$/);
        expect(sut.tag).toMatch(/^[A-Za-z0-9_-]{22}$/);
        expect(openWithDataKey(key, sut)).toBe(text);
        expect(openWithDataKey(key, { ...sut, kid: 'pk:p_BBBBBBBBBBBBBBBB:1' })).toBeNull();
        expect(openWithDataKey(generateDataKey(), sut)).toBeNull();
      }),
      { numRuns: 100 },
    );
  });

  it('reads master keys from one variable, the first being current, naming what is wrong', () => {
    const spec = `mk2:${mk2.key.toString('base64')}, mk1:${mk1.key.toString('base64')}`;
    const sut = parseMasterKeys(spec);
    expect(sut.currentKid).toBe('mk2');
    expect([...sut.keys.keys()]).toEqual(['mk2', 'mk1']);
    expect(() => parseMasterKeys('')).toThrow('no master key given');
    expect(() => parseMasterKeys(`mk1:${randomBytes(16).toString('base64')}`)).toThrow('master key mk1: must be 32 bytes');
    expect(() => parseMasterKeys(randomBytes(32).toString('base64'))).toThrow('master key #1');
    expect(() => parseMasterKeys(`${spec},mk1:${mk1.key.toString('base64')}`)).toThrow('must not repeat');
  });
});
