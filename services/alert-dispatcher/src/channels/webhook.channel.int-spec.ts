import { type MessageFacts } from '@beacon/alerting-domain';
import { freePort } from '@beacon/testing';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ChannelError } from './channel';
import { SIGNATURE_HEADER, WebhookChannel } from './webhook.channel';

const secret = 'a-webhook-secret-of-at-least-32-characters';
const facts: MessageFacts = {
  kind: 'alert',
  urgency: 'critical',
  eventCode: 'DET',
  caseRef: 'BCN-482113',
  ackCode: '4821',
  consoleUrl: 'https://console.beacon.example/cases/0190f5a2-7c1e-7d7e-9c1a-5b3e2f1d4c6b',
};

/** What a partner's receiver does: recompute the MAC over "<t>.<body>" and reject old timestamps. */
function verify(headers: IncomingHttpHeaders, body: string, now: number): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers[SIGNATURE_HEADER] ?? ''));
  if (!match) return false;
  const [, t, mac] = match;
  if (Math.abs(now / 1000 - Number(t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(mac!, 'hex'));
}

describe(WebhookChannel.name, () => {
  let server: Server;
  let url: string;
  const received: { headers: IncomingHttpHeaders; body: string; valid: boolean }[] = [];
  let status = 204;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        received.push({
          headers: request.headers,
          body,
          valid: verify(request.headers, body, Date.now()),
        });
        response.statusCode = status;
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/beacon`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('posts the pointer, signed with HMAC-SHA256 over the timestamp and the body', async () => {
    const sut = new WebhookChannel(secret, 2_000);

    const result = await sut.send({
      notificationId: 'n-1',
      alertId: 'a-1',
      recipientId: 'lap-alm',
      address: url,
      locale: 'ru',
      facts,
    });

    expect(result).toEqual({ provider: 'webhook', delivered: true });
    const [request] = received.splice(0);
    expect(request?.valid).toBe(true);
    expect(JSON.parse(request!.body)).toEqual({
      type: 'org.beacon.notification.v1',
      notificationId: 'n-1',
      alertId: 'a-1',
      kind: 'alert',
      urgency: 'critical',
      eventCode: 'DET',
      caseRef: 'BCN-482113',
      ackCode: '4821',
      consoleUrl: facts.consoleUrl,
    });
  });

  it('is refused by a receiver holding another secret', async () => {
    const sut = new WebhookChannel('another-secret-that-is-also-32-chars-long', 2_000);

    await sut.send({
      notificationId: 'n-2',
      alertId: 'a-1',
      recipientId: 'lap-alm',
      address: url,
      locale: 'ru',
      facts,
    });

    expect(received.splice(0)[0]?.valid).toBe(false);
  });

  it('fails, for a retry, when the receiver answers with an error', async () => {
    status = 503;
    const sut = new WebhookChannel(secret, 2_000);

    await expect(
      sut.send({
        notificationId: 'n-3',
        alertId: 'a-1',
        recipientId: 'lap-alm',
        address: url,
        locale: 'ru',
        facts,
      }),
    ).rejects.toThrow(new ChannelError('HTTP_503', 'webhook answered 503'));
    status = 204;
  });

  it('fails when nothing listens', async () => {
    const sut = new WebhookChannel(secret, 2_000);
    const closed = `http://127.0.0.1:${await freePort()}/none`;

    await expect(
      sut.send({
        notificationId: 'n-4',
        alertId: 'a-1',
        recipientId: 'lap-alm',
        address: closed,
        locale: 'ru',
        facts,
      }),
    ).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});
