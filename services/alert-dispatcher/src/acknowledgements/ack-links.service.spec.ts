import { AckLinks } from './ack-links.service';

const secret = 'an-acknowledgement-secret-of-32-characters';
const notificationId = '0190f5a2-7c1e-7d7e-9c1a-5b3e2f1d4c6b';
const now = new Date('2025-03-06T00:14:00Z');

describe(AckLinks.name, () => {
  const sut = new AckLinks(secret, 'https://alerts.beacon.example/', 60);
  const tokenOf = (link: string) => link.split('/').pop()!;

  it('links to /v1/ack/<token>, ids and an expiry only, short enough for a path segment', () => {
    const link = sut.linkFor(notificationId, now);

    expect(link).toMatch(
      /^https:\/\/alerts\.beacon\.example\/v1\/ack\/[A-Za-z0-9_-]{27}\.[A-Za-z0-9_-]{22}$/,
    );
    expect(tokenOf(link).length).toBeLessThanOrEqual(100);
  });

  it('verifies its own link until it expires', () => {
    const token = tokenOf(sut.linkFor(notificationId, now));

    expect(sut.verify(token, new Date(now.getTime() + 59 * 60_000))).toEqual({
      ok: true,
      notificationId,
      expiresAt: new Date(now.getTime() + 60 * 60_000),
    });
    expect(sut.verify(token, new Date(now.getTime() + 60 * 60_000))).toEqual({
      ok: false,
      reason: 'expired',
      notificationId,
    });
  });

  it('refuses a link signed with another secret, or altered', () => {
    const token = tokenOf(sut.linkFor(notificationId, now));
    const other = tokenOf(
      new AckLinks('another-secret-that-is-32-characters-long', 'https://x', 60).linkFor(
        notificationId,
        now,
      ),
    );
    const altered = `${token[0] === 'A' ? 'B' : 'A'}${token.slice(1)}`;

    expect(sut.verify(other, now)).toEqual({ ok: false, reason: 'forged' });
    expect(sut.verify(altered, now)).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuses what is not a token at all', () => {
    for (const token of ['', 'abc', 'Rustam Nazarov', `${'A'.repeat(27)}.${'A'.repeat(21)}`]) {
      expect(sut.verify(token, now)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('makes no links and accepts none without a secret', () => {
    const off = new AckLinks(undefined, 'https://x', 60);

    expect(off.enabled).toBe(false);
    expect(() => off.linkFor(notificationId, now)).toThrow(/not configured/);
    expect(off.verify(tokenOf(sut.linkFor(notificationId, now)), now)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });
});
