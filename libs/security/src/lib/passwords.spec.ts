import { constantTimeEqualBytes, hashPassword, hashToken, needsRehash, randomToken, verifyAgainstDummy, verifyPassword } from '../index';

describe('password hashing', () => {
  it('uses argon2id, salts every hash and verifies only the right password', async () => {
    const sut = await hashPassword('correct horse battery staple');
    expect(sut).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hashPassword('correct horse battery staple')).not.toBe(sut);
    expect(await verifyPassword(sut, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(sut, 'correct horse battery stapl')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
    expect(needsRehash(sut)).toBe(false);
    expect(needsRehash('$argon2id$v=19$m=4096,t=1,p=1$c2FsdA$aGFzaA')).toBe(true);
  });

  it('refuses over-long passwords instead of hashing megabytes', async () => {
    await expect(hashPassword('x'.repeat(257))).rejects.toThrow('too long');
    expect(await verifyPassword(await hashPassword('x'.repeat(256)), 'x'.repeat(257))).toBe(false);
  });

  it('spends real hashing work for unknown users', async () => {
    await verifyAgainstDummy('warm-up');
    const started = process.hrtime.bigint();
    expect(await verifyAgainstDummy('anything')).toBe(false);
    // argon2id with 19 MiB takes milliseconds, a plain return microseconds.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeGreaterThan(2);
  });
});

describe('tokens and comparisons', () => {
  it('makes 256-bit tokens, hashes them deterministically and compares bytes in constant time', () => {
    const a = randomToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(a);
    expect(hashToken(a)).toBe(hashToken(a));
    expect(hashToken(a)).not.toContain(a);
    expect(constantTimeEqualBytes(Buffer.from('abc'), Buffer.from('abc'))).toBe(true);
    expect(constantTimeEqualBytes(Buffer.from('abc'), Buffer.from('abd'))).toBe(false);
    expect(constantTimeEqualBytes(Buffer.from('abc'), Buffer.from('abcd'))).toBe(false);
  });
});
