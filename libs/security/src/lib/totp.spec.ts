import fc from 'fast-check';
import { base32Decode, base32Encode, hotp, totp, totpProvisioningUri, verifyTotp } from '../index';

const ascii = (text: string) => Buffer.from(text, 'ascii');

describe('TOTP (RFC 6238)', () => {
  // RFC 6238 appendix B: the seeds are the ASCII digits repeated to the hash's block size.
  const seeds = {
    sha1: ascii('12345678901234567890'),
    sha256: ascii('12345678901234567890123456789012'),
    sha512: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
  } as const;
  const vectors: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];

  it.each(vectors)('at %i s gives the RFC codes for SHA-1, SHA-256 and SHA-512', (time, sha1, sha256, sha512) => {
    expect(totp(seeds.sha1, time, { digits: 8, algorithm: 'sha1' })).toBe(sha1);
    expect(totp(seeds.sha256, time, { digits: 8, algorithm: 'sha256' })).toBe(sha256);
    expect(totp(seeds.sha512, time, { digits: 8, algorithm: 'sha512' })).toBe(sha512);
  });

  it('gives the RFC 4226 HOTP values for counters 0-9', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expect(expected.map((_, counter) => hotp(seeds.sha1, counter))).toEqual(expected);
  });

  it('accepts the previous, current and next step and nothing further', () => {
    const now = 1_700_000_015;
    const step = Math.floor(now / 30);
    const at = (offset: number) => totp(seeds.sha1, now + offset * 30);
    expect(verifyTotp(seeds.sha1, at(0), now)).toBe(step);
    expect(verifyTotp(seeds.sha1, at(-1), now)).toBe(step - 1);
    expect(verifyTotp(seeds.sha1, at(1), now)).toBe(step + 1);
    for (const offset of [-3, -2, 2, 3]) {
      const code = at(offset);
      // A far step's code may collide with a near one by chance (1 in a million); only assert when it does not.
      if (![-1, 0, 1].some((near) => at(near) === code)) expect(verifyTotp(seeds.sha1, code, now)).toBeNull();
    }
  });

  it('refuses a step at or before the last accepted one (the caller keeps that for replay protection)', () => {
    const now = 1_700_000_015;
    const code = totp(seeds.sha1, now);
    const step = verifyTotp(seeds.sha1, code, now);
    expect(step).not.toBeNull();
    expect(verifyTotp(seeds.sha1, code, now, { afterStep: step })).toBeNull();
    expect(verifyTotp(seeds.sha1, code, now, { afterStep: step! - 1 })).toBe(step);
  });

  it('rejects codes of the wrong shape without computing anything', () => {
    for (const code of ['', '12345', '1234567', 'abcdef', ' 123456', '12345a']) {
      expect(verifyTotp(seeds.sha1, code, 59)).toBeNull();
    }
  });

  it('writes a provisioning URI authenticator apps understand', () => {
    const uri = new URL(totpProvisioningUri({ issuer: 'Beacon', account: 'officer.almaty', secret: seeds.sha1 }));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Beacon:officer.almaty');
    expect(uri.searchParams.get('secret')).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(uri.searchParams.get('issuer')).toBe('Beacon');
  });
});

describe('base32 (RFC 4648)', () => {
  it.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('encodes %j as %s (unpadded) and back', (text, encoded) => {
    expect(base32Encode(ascii(text))).toBe(encoded);
    expect(base32Decode(`${encoded}======`).toString('ascii')).toBe(text);
  });

  it('round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      expect(base32Decode(base32Encode(Buffer.from(bytes)))).toEqual(Buffer.from(bytes));
    }));
  });
});
