import { segmentSms } from '@beacon/alerting-domain';
import {
  createTestDatabase,
  freePort,
  requireInfrastructure,
  startSmtpCapture,
  uniqueName,
  type SmtpCapture,
} from '@beacon/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  aCase,
  eventually,
  lifecycleEvents,
  sharedInfrastructure,
  startDispatcher,
  startKannel,
  startSmppSimulator,
  type Harness,
  type KannelProcess,
  type SharedInfrastructure,
  type SmppSimulator,
} from '../testing/dispatcher.harness';
import { KannelChannel } from './sms/kannel.channel';

const officerPhone = '77000000101';
const digits = (value: string) => value.replace(/\D/g, '');

describe('SMS through a real Kannel between Beacon and the SMSC', () => {
  let infra: SharedInfrastructure;
  let smsc: SmppSimulator;
  let kannel: KannelProcess;
  let smtp: SmtpCapture;
  let harness: Harness;
  let port: number;
  const inboundSecret = randomBytes(24).toString('base64url');
  let env: Record<string, string>;

  beforeAll(async () => {
    infra = await sharedInfrastructure(
      await createTestDatabase('beacon_alerting_kannel'),
      requireInfrastructure('KAFKA_BROKERS'),
      `${uniqueName('kannel')}.`,
    );
    smsc = await startSmppSimulator();
    smtp = await startSmtpCapture();
    port = await freePort();
    kannel = await startKannel({
      smscPort: smsc.port,
      inboundUrl: `http://kannel:${inboundSecret}@127.0.0.1:${port}/v1/sms/kannel/inbound`,
    });
    env = {
      SMTP_URL: smtp.url,
      KANNEL_SENDSMS_URL: kannel.sendsmsUrl,
      KANNEL_CALLBACK_URL: `http://127.0.0.1:${port}`,
      KANNEL_INBOUND_SECRET: inboundSecret,
    };
    harness = await startDispatcher(infra, port, env);
  });

  afterAll(async () => {
    await harness?.stop();
    await kannel?.stop();
    await smsc?.stop();
    await smtp?.stop();
    await infra?.close();
  });

  let paged: { caseId: string; ackCode: string };

  it('pages over Kannel: the SMS reaches the SMSC through bearerbox and its delivery report comes back', async () => {
    const victim = aCase('almaty');
    await harness.publish([victim.detained()]);

    const sms = await smsc.waitForMessage((m) => digits(m.to) === officerPhone, 15_000);
    expect(sms.encoding).toBe('UCS2');
    expect(sms.text).toMatch(/^Beacon: КРИТИЧНО DET дело BCN-\d{6}\. Ответ: ACK (\d{4})$/);

    const [delivered] = await eventually<{ provider: string; delivered_at: Date | null }>(
      harness.db,
      `SELECT provider, delivered_at FROM alerting.notifications WHERE case_id = $1 AND recipient_id = 'po-alm-1' AND channel = 'sms'`,
      [victim.caseId],
      (rows) => rows[0]?.delivered_at != null,
      'the Kannel delivery report',
    );
    expect(delivered?.provider).toBe('kannel');
    const names = (await lifecycleEvents(harness.db, victim.caseId)).map((e) => e.name);
    expect(names).toEqual(
      expect.arrayContaining(['alert-raised', 'notification-sent', 'notification-delivered']),
    );
    paged = { caseId: victim.caseId, ackCode: /ACK (\d{4})/.exec(sms.text)![1]! };
  });

  it("acknowledges an 'АСК 1234' reply that Kannel forwards to the inbound webhook, and stops the escalation", async () => {
    await smsc.reply({ from: `+${officerPhone}`, text: `АСК ${paged.ackCode}` });

    const [alert] = await eventually<{
      acknowledged_by: string | null;
      acknowledged_via: string | null;
      alert_id: string;
    }>(
      harness.db,
      `SELECT alert_id, acknowledged_by, acknowledged_via FROM alerting.alerts WHERE case_id = $1`,
      [paged.caseId],
      (rows) => rows[0]?.acknowledged_by != null,
      'the acknowledgement',
      15_000,
    );
    expect(alert).toMatchObject({ acknowledged_by: 'po-alm-1', acknowledged_via: 'sms' });
    const { rows: timers } = await harness.db.query(
      `SELECT 1 FROM alerting.escalations WHERE alert_id = $1`,
      [alert!.alert_id],
    );
    expect(timers).toHaveLength(0);
    expect(await lifecycleEvents(harness.db, paged.caseId)).toContainEqual({
      name: 'alert-acknowledged',
      data: { alertId: alert!.alert_id, by: 'po-alm-1', via: 'sms' },
    });
  });

  it('ignores a reply from a phone that was never paged about the alert', async () => {
    const before = smsc.messages.length;
    const victim = aCase('almaty');
    await harness.publish([victim.detained()]);
    const sms = await smsc.waitForMessage(
      (m) => smsc.messages.indexOf(m) >= before && digits(m.to) === officerPhone,
      15_000,
    );
    const code = /ACK (\d{4})/.exec(sms.text)![1]!;

    await smsc.reply({ from: '+77009999999', text: `ACK ${code}` });
    await new Promise((r) => setTimeout(r, 2_000));

    const { rows } = await harness.db.query<{ acknowledged_at: Date | null }>(
      `SELECT acknowledged_at FROM alerting.alerts WHERE case_id = $1`,
      [victim.caseId],
    );
    expect(rows[0]?.acknowledged_at).toBeNull();
  });

  it('refuses inbound calls without Kannel’s credentials and delivery reports without a valid signature', async () => {
    const unauthenticated = await fetch(`${harness.baseUrl}/v1/sms/kannel/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-kannel-from': `+${officerPhone}` },
      body: `ACK ${paged.ackCode}`,
    });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('content-type')).toMatch(/application\/problem\+json/);

    const forged = await fetch(
      `${harness.baseUrl}/v1/sms/kannel/dlr?n=${randomUUID()}&s=${'A'.repeat(32)}&type=1`,
    );
    expect(forged.status).toBe(404);
    expect(((await forged.json()) as { type: string }).type).toMatch(/not-found$/);
  });

  it('sends a long Cyrillic text as UCS-2 parts that the SMSC reassembles', async () => {
    const channel = new KannelChannel({
      sendsmsUrl: kannel.sendsmsUrl,
      sender: 'Beacon',
      timeoutMs: 5_000,
      callback: null,
    });
    const text = `Beacon: ЭСКАЛАЦИЯ КРИТИЧНО DET дело BCN-482113. ${'Проверка длинного сообщения. '.repeat(6)}Ответ: ACK 4821`;
    await channel.send('+77000000555', { text, ...segmentSms(text) }, randomUUID());

    const sms = await smsc.waitForMessage((m) => digits(m.to) === '77000000555', 15_000);
    expect(sms.encoding).toBe('UCS2');
    expect(sms.parts).toBeGreaterThan(1);
    expect(sms.concatenation).toBe('udh');
    expect(sms.text).toBe(text);
    for (const octets of sms.partOctets) expect(octets).toBeLessThanOrEqual(140);
  });

  it('fails over to Kannel when the direct SMPP bind refuses the message', async () => {
    const refusing = await startSmppSimulator();
    refusing.refuseSubmits(true);
    await harness.stop();
    harness = await startDispatcher(infra, port, {
      ...env,
      SMPP_URL: refusing.url,
      SMS_PROVIDERS: 'smpp,kannel',
    });
    try {
      await refusing.waitForBind();
      const before = smsc.messages.length;
      const victim = aCase('almaty');
      await harness.publish([victim.detained()]);

      const sms = await smsc.waitForMessage(
        (m) => smsc.messages.indexOf(m) >= before && digits(m.to) === officerPhone,
        15_000,
      );
      expect(sms.text).toMatch(/ACK \d{4}$/);
      const [row] = await eventually<{ provider: string | null; status: string }>(
        harness.db,
        `SELECT provider, status FROM alerting.notifications WHERE case_id = $1 AND recipient_id = 'po-alm-1' AND channel = 'sms'`,
        [victim.caseId],
        (rows) => rows[0]?.status === 'sent',
        'the SMS recorded as sent',
      );
      expect(row?.provider).toBe('kannel');
      expect(refusing.messages).toHaveLength(0);
    } finally {
      await refusing.stop();
    }
  });
});
