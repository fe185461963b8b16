import { randomUUID } from 'node:crypto';
import {
  createTestDatabase,
  freePort,
  requireInfrastructure,
  startSmtpCapture,
  uniqueName,
  type SmtpCapture,
} from '@beacon/testing';
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

const officer = '77000000301';
const officerMail = 'po-shy-1@beacon.example';

describe('alert lifecycle after the page: stand-down, follow-up, resolve', () => {
  let infra: SharedInfrastructure;
  let smsc: SmppSimulator;
  let smtp: SmtpCapture;
  let harness: Harness;

  beforeAll(async () => {
    infra = await sharedInfrastructure(
      await createTestDatabase('beacon_alerting_lifecycle'),
      requireInfrastructure('KAFKA_BROKERS'),
      `${uniqueName('lifecycle')}.`,
    );
    smsc = await startSmppSimulator();
    smtp = await startSmtpCapture();
    harness = await startDispatcher(infra, await freePort(), {
      SMTP_URL: smtp.url,
      SMPP_URL: smsc.url,
      ROUTING_CONFIG_PATH: routingFile(),
    });
    await smsc.waitForBind();
  });

  afterAll(async () => {
    await harness?.stop();
    await smsc?.stop();
    await smtp?.stop();
    await infra?.close();
  });

  /** Pages the Shymkent officer about a new case and waits until the page is recorded as sent. */
  async function pagedCase() {
    const victim = aCase('shymkent');
    const before = smsc.messages.length;
    await harness.publish([victim.detained()]);
    await smsc.waitForMessage((m) => smsc.messages.indexOf(m) >= before && m.to === officer);
    await eventually(
      harness.db,
      `SELECT 1 FROM alerting.notifications WHERE case_id = $1 AND status = 'sent'`,
      [victim.caseId],
      (rows) => rows.length === 2,
      'the page sent by SMS and e-mail',
    );
    return victim;
  }

  const alertOf = async (caseId: string) =>
    (
      await harness.db.query<{ alert_id: string; status: string }>(
        `SELECT alert_id, status FROM alerting.alerts WHERE case_id = $1 ORDER BY raised_at`,
        [caseId],
      )
    ).rows;

  it('tells whoever was paged to stand down when the person is released, and closes the alert', async () => {
    const victim = await pagedCase();
    const before = smsc.messages.length;
    await harness.publish([victim.released()]);

    const standDown = await smsc.waitForMessage(
      (m) => smsc.messages.indexOf(m) >= before && m.to === officer,
    );
    expect(standDown.text).toMatch(/^Beacon: stand down, case BCN-\d{6} REL\. No action needed\.$/);
    const mail = await smtp.waitForMail(
      (m) => m.envelopeTo.includes(officerMail) && /Stand down/.test(m.parsed.subject ?? ''),
    );
    expect(mail.parsed.text).not.toMatch(/ACK/);
    const [alert] = await alertOf(victim.caseId);
    expect(alert?.status).toBe('resolved');
    expect(await lifecycleEvents(harness.db, victim.caseId)).toContainEqual({
      name: 'alert-resolved',
      data: { alertId: alert!.alert_id, reason: 'released' },
    });
    const { rows: timers } = await harness.db.query(
      `SELECT 1 FROM alerting.escalations WHERE alert_id = $1`,
      [alert!.alert_id],
    );
    expect(timers).toHaveLength(0);
  });

  it('pages again when a released person is taken again while still critical', async () => {
    const victim = await pagedCase();
    // Beaten in custody, then released: the alert stands down, the case stays critical a week.
    await harness.publish([victim.fact('ill-treatment-reported'), victim.released()]);
    await eventually(
      harness.db,
      `SELECT 1 FROM alerting.alerts WHERE case_id = $1 AND status = 'resolved'`,
      [victim.caseId],
      (rows) => rows.length === 1,
      'the alert stood down',
    );
    const before = smsc.messages.length;
    await harness.publish([victim.detained()]);

    const page = await smsc.waitForMessage(
      (m) => smsc.messages.indexOf(m) >= before && m.to === officer && / DET case /.test(m.text),
    );
    expect(page.text).toMatch(/^Beacon: CRITICAL DET case BCN-\d{6}\. Reply ACK \d{4}$/);
    expect((await alertOf(victim.caseId)).map((a) => a.status)).toEqual(['resolved', 'open']);
  });

  it('records each SMS receipt once, however many arrive together and whichever comes first', async () => {
    // Twenty arrests at once: twenty pages by SMS, whose receipts come back while the sends are
    // still being recorded, and are applied in batches.
    const victims = Array.from({ length: 20 }, () => aCase('shymkent'));
    await harness.publish(victims.map((victim) => victim.detained()));
    const ids = victims.map((v) => v.caseId);

    const sms = await eventually<{ notification_id: string; provider_message_id: string }>(
      harness.db,
      `SELECT notification_id, provider_message_id FROM alerting.notifications
       WHERE case_id = ANY($1::uuid[]) AND channel = 'sms' AND delivered_at IS NOT NULL`,
      [ids],
      (rows) => rows.length === victims.length,
      'every SMS page delivered',
    );
    const { rows: events } = await harness.db.query<{ notification_id: string }>(
      `SELECT value::jsonb->>'notificationId' AS notification_id FROM alerting.outbox
       WHERE stream_key = ANY($1::text[]) AND headers->>'ce_type' = 'org.beacon.notification-delivered.v1'
         AND value::jsonb->>'channel' = 'sms'`,
      [ids],
    );
    expect(events.map((e) => e.notification_id).sort()).toEqual(
      sms.map((r) => r.notification_id).sort(),
    );
    const { rows: waiting } = await harness.db.query(
      `SELECT 1 FROM alerting.delivery_receipts
       WHERE provider = 'smpp' AND reference = ANY($1::text[]) AND matched_at IS NULL`,
      [sms.map((r) => r.provider_message_id)],
    );
    expect(waiting).toEqual([]);
  });

  it('sends the post-return follow-up to whoever was paged when the person is removed', async () => {
    const victim = await pagedCase();
    const before = smsc.messages.length;
    await harness.publish([victim.removed()]);

    const followUp = await smsc.waitForMessage(
      (m) => smsc.messages.indexOf(m) >= before && m.to === officer,
    );
    expect(followUp.text).toMatch(
      /^Beacon: CRITICAL follow-up after removal, case BCN-\d{6} DEP\. Reply ACK \d{4}$/,
    );
    expect((await alertOf(victim.caseId))[0]?.status).toBe('open');
  });

  it('pages once about a raid reported at once, and holds its other cases for one update', async () => {
    const incidentId = randomUUID();
    const raid = Array.from({ length: 5 }, () => aCase('shymkent', incidentId));
    await harness.publish(raid.map((victim) => victim.detained()));

    const alerts = await eventually<{ alert_id: string; ack_code: string }>(
      harness.db,
      `SELECT alert_id, ack_code FROM alerting.alerts WHERE incident_id = $1 AND status = 'open'`,
      [incidentId],
      (rows) => rows.length === 5,
      'an alert per case',
    );
    expect(new Set(alerts.map((a) => a.ack_code)).size).toBe(5);
    const [page] = await eventually<{ state: { caseIds: string[]; heldCaseIds: string[] } }>(
      harness.db,
      `SELECT state FROM alerting.incident_pages WHERE incident_id = $1 AND purpose = 'page:0'`,
      [incidentId],
      (rows) => rows[0]?.state.caseIds.length === 5,
      'the incident row with all five cases',
    );
    expect(page?.state.heldCaseIds).toHaveLength(4);
    const { rows: pages } = await harness.db.query<{ channel: string }>(
      `SELECT n.channel FROM alerting.notifications n JOIN alerting.alerts a USING (alert_id)
       WHERE a.incident_id = $1 AND n.kind = 'alert'`,
      [incidentId],
    );
    expect(pages.map((p) => p.channel).sort()).toEqual(['email', 'sms']);
    const { rows: timers } = await harness.db.query(
      `SELECT 1 FROM alerting.escalations e JOIN alerting.alerts a USING (alert_id) WHERE a.incident_id = $1`,
      [incidentId],
    );
    expect(timers).toHaveLength(5);
  });

  it('resolves the alert when the case leaves critical and high', async () => {
    const victim = await pagedCase();
    await harness.publish([victim.closed()]);

    const [alert] = await eventually<{ alert_id: string; status: string }>(
      harness.db,
      `SELECT alert_id, status FROM alerting.alerts WHERE case_id = $1`,
      [victim.caseId],
      (rows) => rows[0]?.status === 'resolved',
      'the alert resolved',
    );
    expect(await lifecycleEvents(harness.db, victim.caseId)).toContainEqual({
      name: 'alert-resolved',
      data: { alertId: alert!.alert_id, reason: 'urgency-dropped' },
    });
  });
});
