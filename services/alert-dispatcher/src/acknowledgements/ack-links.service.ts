import { createHmac, timingSafeEqual } from 'node:crypto';

export type AckLinkCheck =
  | { ok: true; notificationId: string; expiresAt: Date }
  | { ok: false; reason: 'malformed' | 'forged' }
  /** Signed by us, so the notification is known: its page can still be in its language. */
  | { ok: false; reason: 'expired'; notificationId: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TOKEN = /^([A-Za-z0-9_-]{27})\.([A-Za-z0-9_-]{22})$/;
const MAC_BYTES = 16;

/**
 * One-click acknowledgement links. The token names the e-mail it came in (its notification,
 * hence the alert and the recipient) and an expiry, and is signed with HMAC-SHA256 (128 bits
 * kept): 50 characters of ids, nothing about the case.
 */
export class AckLinks {
  constructor(
    private readonly secret: string | undefined,
    private readonly baseUrl: string,
    private readonly ttlMinutes: number,
  ) {}

  /** Without a secret there are no links; SMS replies and the console still acknowledge. */
  get enabled(): boolean {
    return this.secret !== undefined;
  }

  linkFor(notificationId: string, now: Date): string {
    const payload = Buffer.alloc(20);
    Buffer.from(notificationId.replace(/-/g, ''), 'hex').copy(payload, 0);
    payload.writeUInt32BE(Math.floor(now.getTime() / 1000) + this.ttlMinutes * 60, 16);
    const encoded = payload.toString('base64url');
    return `${this.baseUrl.replace(/\/+$/, '')}/v1/ack/${encoded}.${this.sign(encoded)}`;
  }

  verify(token: string, now: Date): AckLinkCheck {
    const match = TOKEN.exec(token);
    if (!this.enabled || !match) return { ok: false, reason: 'malformed' };
    const [, encoded = '', signature = ''] = match;
    const expected = Buffer.from(this.sign(encoded));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, reason: 'forged' };
    const payload = Buffer.from(encoded, 'base64url');
    if (payload.length !== 20) return { ok: false, reason: 'malformed' };
    const hex = payload.subarray(0, 16).toString('hex');
    const notificationId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    if (!UUID.test(notificationId)) return { ok: false, reason: 'malformed' };
    const expiresAt = new Date(payload.readUInt32BE(16) * 1000);
    if (now >= expiresAt) return { ok: false, reason: 'expired', notificationId };
    return { ok: true, notificationId, expiresAt };
  }

  private sign(encoded: string): string {
    if (this.secret === undefined) throw new Error('acknowledgement links are not configured');
    return createHmac('sha256', this.secret)
      .update(`beacon-ack.v1.${encoded}`)
      .digest()
      .subarray(0, MAC_BYTES)
      .toString('base64url');
  }
}
