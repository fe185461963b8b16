import {
  createTestDatabase,
  freePort,
  requireInfrastructure,
  startSmtpCapture,
  uniqueName,
  waitFor,
  type SmtpCapture,
} from '@beacon/testing';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { type AddressInfo } from 'node:net';
import {
  aCase,
  eventually,
  lifecycleEvents,
  routingFile,
  sharedInfrastructure,
  startDispatcher,
  startSmppSimulator,
  type Harness,
  type SharedInfrastructure,
  type SmppSimulator,
} from '../testing/dispatcher.harness';

interface Row {
  recipient_id: string;
  channel: string;
  status: string;
  attempts: number;
  sent_at: Date | null;
}

interface WebhookReceiver {
  url: string;
  /** Requests as they arrived, answered or not. */
  requests: { receivedAt: number; body: string }[];
  close(): Promise<void>;
}

/** A partner's endpoint: one that answers 200 at once, or one that takes requests and never answers. */
async function startWebhookReceiver(answers: boolean): Promise<WebhookReceiver> {
  const requests: WebhookReceiver['requests'] = [];
  const sockets = new Set<Socket>();
  const server: HttpServer = createHttpServer((request, response) => {
    let body = '';
    request.on('data', (c: Buffer) => (body += c.toString()));
    request.on('end', () => {
      requests.push({ receivedAt: Date.now(), body });
      if (answers) response.end('ok');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/beacon`,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Almaty's partner gets its pages at `hanging`, Shymkent's at `answering`, by webhook only. */
function twoPartnersByWebhook(hanging: WebhookReceiver, answering: WebhookReceiver): string {
  return routingFile((config) => {
    const partners = [
      ['almaty', 'lap-alm', hanging],
      ['shymkent', 'lap-shy', answering],
    ] as const;
    for (const [region, partner, receiver] of partners) {
      config.partners[partner] = {
        ...config.partners[partner]!,
        webhook: receiver.url,
        channels: ['webhook', 'email'],
      };
      config.regions[region]!.policies!.critical!.tiers[0] = {
        recipients: ['legal-aid-partner'],
        channels: ['webhook'],
        ackTimeoutMinutes: 30,
      };
    }
  });
}

const WEBHOOK_SECRET = 'webhook-signing-secret-of-32-chars-or-more';

describe('DeliveryWorker', () => {
  let infra: SharedInfrastructure;
  let smsc: SmppSimulator;
  let harness: Harness | null = null;

  beforeAll(async () => {
    infra = await sharedInfrastructure(
      await createTestDatabase('beacon_alerting_deliveries'),
      requireInfrastructure('KAFKA_BROKERS'),
      `${uniqueName('deliveries')}.`,
    );
    smsc = await startSmppSimulator();
  });

  afterEach(async () => {
    await harness?.stop();
    harness = null;
  });

  afterAll(async () => {
    await smsc?.stop();
    await infra?.close();
  });

  const rows = (caseId: string) =>
    harness!.db.query<Row>(
      `SELECT recipient_id, channel, status, attempts, sent_at FROM alerting.notifications WHERE case_id = $1 ORDER BY created_at, channel`,
      [caseId],
    );

  it('fails over to the next channel when a send fails: SMTP refusing moves the page to SMS', async () => {
    const routing = routingFile((config) => {
      config.regions.almaty!.policies!.critical!.tiers[0] = {
        recipients: ['on-call-primary'],
        channels: ['email', 'sms'],
        ackTimeoutMinutes: 30,
        delivery: 'failover',
      };
      config.people['po-alm-1']!.channels = ['email', 'sms'];
    });
    harness = await startDispatcher(infra, await freePort(), {
      ROUTING_CONFIG_PATH: routing,
      SMTP_URL: `smtp://127.0.0.1:${await freePort()}`,
      SMPP_URL: smsc.url,
    });
    await waitFor(() => smsc.boundSessions() > 0, { what: 'the SMPP bind' });
    const before = smsc.messages.length;
    const victim = aCase('almaty');
    const publishedAt = Date.now();
    await harness.publish([victim.detained()]);

    const sms = await smsc.waitForMessage(
      (m) => smsc.messages.indexOf(m) >= before && m.to === '77000000101',
      10_000,
    );
    expect(sms.receivedAt - publishedAt).toBeLessThan(5_000);
    const { rows: sent } = await rows(victim.caseId);
    expect(sent.map((r) => [r.recipient_id, r.channel])).toEqual([
      ['po-alm-1', 'email'],
      ['po-alm-1', 'sms'],
    ]);
    expect(sent[0]).toMatchObject({ channel: 'email', status: 'pending' });
    expect(sent[0]!.attempts).toBeGreaterThanOrEqual(1);
    const events = await eventually<{ n: string }>(
      harness.db,
      `SELECT 1 AS n FROM alerting.notifications WHERE case_id = $1 AND channel = 'sms' AND status = 'sent'`,
      [victim.caseId],
      (r) => r.length === 1,
      'the SMS sent',
    );
    expect(events).toHaveLength(1);
    const names = (await lifecycleEvents(harness.db, victim.caseId)).map(
      (e) => `${e.name}:${typeof e.data.channel === 'string' ? e.data.channel : ''}`,
    );
    expect(names).toEqual(
      expect.arrayContaining(['notification-failed:email', 'notification-sent:sms']),
    );
  });

  it("never lets one recipient's hanging channel hold up another's", async () => {
    // An SMTP server that accepts connections and never answers: each e-mail waits for its timeout.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      harness = await startDispatcher(infra, await freePort(), {
        SMTP_URL: `smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        SMPP_URL: smsc.url,
        SEND_TIMEOUT_MS: '20000',
      });
      await waitFor(() => smsc.boundSessions() > 0, { what: 'the SMPP bind' });
      const before = smsc.messages.length;
      const cases = [aCase('almaty'), aCase('astana'), aCase('shymkent')];
      const publishedAt = Date.now();
      await harness.publish(cases.map((c) => c.detained()));

      // Every SMS goes at once, officers and legal aid alike, while every e-mail still hangs.
      const phones = ['77000000101', '77000000161', '77000000201', '77000000261', '77000000301'];
      await waitFor(
        () => phones.every((p) => smsc.messages.slice(before).some((m) => m.to === p)),
        { timeoutMs: 5_000, what: 'every SMS' },
      );
      const lastSms = Math.max(...smsc.messages.slice(before).map((m) => m.receivedAt));
      expect(lastSms - publishedAt).toBeLessThan(5_000);
      const pendingMail = await harness.db.query(
        `SELECT 1 FROM alerting.notifications WHERE channel = 'email' AND status = 'pending' AND attempts = 0 AND case_id = ANY($1::uuid[])`,
        [cases.map((c) => c.caseId)],
      );
      expect(pendingMail.rows.length).toBeGreaterThanOrEqual(5);
    } finally {
      await harness?.stop();
      harness = null;
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  /**
   * Two partners' webhooks, Almaty's never answering and Shymkent's at once, and a dispatcher
   * paging them; all stopped after `test`.
   */
  const withTwoPartners = async (
    test: (hanging: WebhookReceiver, answering: WebhookReceiver, harness: Harness) => Promise<void>,
  ) => {
    const hanging = await startWebhookReceiver(false);
    const answering = await startWebhookReceiver(true);
    let smtp: SmtpCapture | null = null;
    try {
      smtp = await startSmtpCapture();
      const started = await startDispatcher(infra, await freePort(), {
        ROUTING_CONFIG_PATH: twoPartnersByWebhook(hanging, answering),
        SMTP_URL: smtp.url,
        WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
      });
      harness = started;
      await test(hanging, answering, started);
    } finally {
      await stopWithPartners(hanging, answering);
      await smtp?.stop();
    }
  };

  /** What is still queued is this test's: cancelled, so the next test's dispatcher leaves it. */
  const stopWithPartners = async (...receivers: WebhookReceiver[]) => {
    await harness?.db.query(
      `UPDATE alerting.notifications SET status = 'cancelled' WHERE status = 'pending'`,
    );
    for (const receiver of receivers) await receiver.close();
    await harness?.stop();
    harness = null;
  };

  it("never lets one partner's hanging webhook hold up another partner's", () =>
    withTwoPartners(async (hanging, answering, harness) => {
      // A raid in Almaty: more pages for its partner than a channel has send slots (32).
      const raid = Array.from({ length: 40 }, () => aCase('almaty'));
      await harness.publish(raid.map((c) => c.detained()));
      // Every page to Almaty's partner is queued, and every one the dispatcher took is hanging there.
      await eventually<{ queued: string; taken: string }>(
        harness.db,
        `SELECT count(*) AS queued, count(*) FILTER (WHERE next_attempt_at > now()) AS taken
         FROM alerting.notifications WHERE recipient_id = 'lap-alm' AND channel = 'webhook'`,
        [],
        ([r]) =>
          Number(r?.queued) === raid.length &&
          Number(r?.taken) > 0 &&
          Number(r?.taken) === hanging.requests.length,
        "the pages to Almaty's partner hanging",
      );

      const other = aCase('shymkent');
      const publishedAt = Date.now();
      await harness.publish([other.detained()]);
      await waitFor(() => answering.requests.length > 0, {
        timeoutMs: 10_000,
        what: "Shymkent's partner's webhook",
      });
      expect(answering.requests[0]!.receivedAt - publishedAt).toBeLessThan(2_500);
      expect(JSON.parse(answering.requests[0]!.body)).toMatchObject({
        kind: 'alert',
        urgency: 'critical',
      });
      // Meanwhile Almaty's partner has answered nothing: its pages are all still waiting.
      const { rows: stuck } = await harness.db.query<{ status: string; attempts: number }>(
        `SELECT status, attempts FROM alerting.notifications WHERE recipient_id = 'lap-alm' AND channel = 'webhook'`,
      );
      expect(stuck).toHaveLength(raid.length);
      expect(stuck.every((r) => r.status === 'pending' && r.attempts === 0)).toBe(true);
    }));

  it("finds another recipient's due page behind a backlog of one recipient's", () =>
    withTwoPartners(async (hanging, answering, harness) => {
      const [first, other] = [aCase('almaty'), aCase('shymkent')];
      await harness.publish([first.detained(), other.detained()]);
      await waitFor(() => hanging.requests.length === 1 && answering.requests.length === 1, {
        what: "both partners' first page",
      });
      // Pages this process was not handed (another dispatcher's, or retries come due) are found by
      // scanning the queue in due order: 40 to Almaty's partner, due before one to Shymkent's.
      const queuedAt = Date.now();
      await harness.db.query(
        `INSERT INTO alerting.notifications (notification_id, message_id, alert_id, case_id, recipient_id,
           channel, address, locale, tier, kind, facts, plan, next_attempt_at)
         SELECT gen_random_uuid(), gen_random_uuid(), n.alert_id, n.case_id, n.recipient_id, n.channel, n.address,
           n.locale, n.tier, n.kind, n.facts, n.plan,
           CASE WHEN n.case_id = $1 THEN now() - make_interval(secs => 60 - i) ELSE now() END
         FROM alerting.notifications n
         CROSS JOIN LATERAL generate_series(1, CASE WHEN n.case_id = $1 THEN 40 ELSE 1 END) AS i
         WHERE n.case_id IN ($1, $2) AND n.channel = 'webhook'`,
        [first.caseId, other.caseId],
      );

      await waitFor(() => answering.requests.length === 2, {
        timeoutMs: 10_000,
        what: "Shymkent's partner's second page",
      });
      expect(answering.requests[1]!.receivedAt - queuedAt).toBeLessThan(2_500);
    }));

  it('delivers on the signed webhook channel and records it delivered', async () => {
    const hooks: { signature: string | undefined; body: string }[] = [];
    const receiver: HttpServer = createHttpServer((request, response) => {
      let body = '';
      request.on('data', (c: Buffer) => (body += c.toString()));
      request.on('end', () => {
        hooks.push({ signature: request.headers['beacon-signature'] as string | undefined, body });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    let smtp: SmtpCapture | null = null;
    try {
      smtp = await startSmtpCapture();
      const address = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/beacon`;
      const routing = routingFile((config) => {
        config.partners['lap-shy'] = {
          ...config.partners['lap-shy']!,
          webhook: address,
          channels: ['webhook', 'email'],
        };
        config.regions.shymkent!.policies!.critical!.tiers[0]!.recipients = ['legal-aid-partner'];
        config.regions.shymkent!.policies!.critical!.tiers[0]!.channels = ['webhook'];
      });
      harness = await startDispatcher(infra, await freePort(), {
        ROUTING_CONFIG_PATH: routing,
        SMTP_URL: smtp.url,
        WEBHOOK_SIGNING_SECRET: 'webhook-signing-secret-of-32-chars-or-more',
      });
      const victim = aCase('shymkent');
      await harness.publish([victim.detained()]);

      await waitFor(() => hooks.length > 0, { what: 'the webhook' });
      expect(hooks[0]?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(JSON.parse(hooks[0]!.body)).toMatchObject({
        kind: 'alert',
        urgency: 'critical',
        eventCode: 'DET',
        caseRef: expect.stringMatching(/^BCN-\d{6}$/),
      });
      await eventually(
        harness.db,
        `SELECT 1 FROM alerting.notifications WHERE case_id = $1 AND channel = 'webhook' AND delivered_at IS NOT NULL`,
        [victim.caseId],
        (r) => r.length === 1,
        'the webhook recorded as delivered',
      );
      expect(
        smtp.messages.filter((m) => m.envelopeTo.includes('lap-shy@beacon.example')),
      ).toHaveLength(0);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
      await smtp?.stop();
    }
  });
});
