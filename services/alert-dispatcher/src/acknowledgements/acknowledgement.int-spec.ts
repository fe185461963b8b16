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
  type Harness,
  type SharedInfrastructure,
} from '../testing/dispatcher.harness';
import { AckLinks } from './ack-links.service';

const headerText = (value: unknown): string => (typeof value === 'string' ? value : '');
// Shymkent's on-call officer reads English; Almaty's reads Russian (the routing fixture).
const officerMail = 'po-shy-1@beacon.example';
const russianOfficerMail = 'po-alm-1@beacon.example';
const ackSecret = randomBytes(32).toString('base64url');
const serviceToken = randomBytes(32).toString('base64url');

describe('acknowledgement by link and by the console API', () => {
  let infra: SharedInfrastructure;
  let smtp: SmtpCapture;
  let harness: Harness;

  beforeAll(async () => {
    infra = await sharedInfrastructure(
      await createTestDatabase('beacon_alerting_ack'),
      requireInfrastructure('KAFKA_BROKERS'),
      `${uniqueName('ack')}.`,
    );
    smtp = await startSmtpCapture();
    harness = await startDispatcher(infra, await freePort(), {
      SMTP_URL: smtp.url,
      ACK_LINK_SECRET: ackSecret,
      CONSOLE_SERVICE_TOKEN: serviceToken,
    });
  });

  afterAll(async () => {
    await harness?.stop();
    await smtp?.stop();
    await infra?.close();
  });

  async function page(
    region = 'shymkent',
    to = officerMail,
  ): Promise<{
    caseId: string;
    alertId: string;
    link: string;
    notificationId: string;
  }> {
    const victim = aCase(region);
    const before = smtp.messages.length;
    await harness.publish([victim.detained()]);
    const mail = await smtp.waitForMail(
      (m) => smtp.messages.indexOf(m) >= before && m.envelopeTo.includes(to),
    );
    const link = /href="(http:\/\/127\.0\.0\.1:\d+\/v1\/ack\/[^"]+)"/.exec(
      String(mail.parsed.html),
    )?.[1];
    const { rows } = await harness.db.query<{ alert_id: string }>(
      `SELECT alert_id FROM alerting.alerts WHERE case_id = $1`,
      [victim.caseId],
    );
    return {
      caseId: victim.caseId,
      alertId: rows[0]!.alert_id,
      link: link!,
      notificationId: headerText(mail.parsed.headers.get('x-beacon-notification')),
    };
  }

  const acknowledged = async (alertId: string) =>
    (
      await harness.db.query<{ acknowledged_by: string | null; acknowledged_via: string | null }>(
        `SELECT acknowledged_by, acknowledged_via FROM alerting.alerts WHERE alert_id = $1`,
        [alertId],
      )
    ).rows[0];

  describe('the one-click link in the e-mail', () => {
    it('shows a confirm page on GET and acknowledges nothing yet (mail scanners follow links)', async () => {
      const { alertId, link } = await page();

      const response = await fetch(link, { headers: { accept: 'text/html' } });

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      const html = await response.text();
      expect(html).toContain('<html lang="en">');
      expect(html).toMatch(
        /<form method="post" action="\/v1\/ack\/[^"]+"><button type="submit">I have it<\/button><\/form>/,
      );
      expect(html).toMatch(/CRITICAL alert for case BCN-\d{6}\./);
      expect((await acknowledged(alertId))?.acknowledged_by).toBeNull();
    });

    it("speaks the recipient's language: a Russian officer gets Russian pages, whatever the browser asks", async () => {
      const { alertId, link } = await page('almaty', russianOfficerMail);
      const browser = { accept: 'text/html', 'accept-language': 'en-US,en;q=0.9' };

      const confirm = await (await fetch(link, { headers: browser })).text();

      expect(confirm).toContain('<html lang="ru">');
      expect(confirm).toMatch(/<title>Подтвердить BCN-\d{6}<\/title>/);
      expect(confirm).toMatch(/КРИТИЧНО: сигнал по делу BCN-\d{6}\./);
      expect(confirm).toMatch(/<button type="submit">Беру<\/button>/);
      expect(confirm).not.toMatch(/I have it|Acknowledge/);

      const outcome = await fetch(link, { method: 'POST', headers: browser });
      expect(outcome.status).toBe(200);
      const html = await outcome.text();
      expect(html).toContain('<html lang="ru">');
      expect(html).toContain('<h1>Подтверждено</h1>');
      expect(await acknowledged(alertId)).toEqual({
        acknowledged_by: 'po-alm-1',
        acknowledged_via: 'email-link',
      });
      const again = await (await fetch(link, { method: 'POST', headers: browser })).text();
      expect(again).toContain('<h1>Уже подтверждено</h1>');
    });

    it('acknowledges on POST, as the recipient the link was sent to, once', async () => {
      const { caseId, alertId, link } = await page();

      const response = await fetch(link, {
        method: 'POST',
        headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('Acknowledged');
      expect(await acknowledged(alertId)).toEqual({
        acknowledged_by: 'po-shy-1',
        acknowledged_via: 'email-link',
      });
      expect(await lifecycleEvents(harness.db, caseId)).toContainEqual({
        name: 'alert-acknowledged',
        data: { alertId, by: 'po-shy-1', via: 'email-link' },
      });

      const again = await fetch(link, { method: 'POST', headers: { accept: 'application/json' } });
      expect(await again.json()).toMatchObject({
        alertId,
        status: 'already-acknowledged',
        by: 'po-shy-1',
        via: 'email-link',
      });
      expect(
        (await lifecycleEvents(harness.db, caseId)).filter((e) => e.name === 'alert-acknowledged'),
      ).toHaveLength(1);
    });

    it('refuses an expired link (410) and a tampered one (404), as problem+json', async () => {
      const { alertId, link, notificationId } = await page();
      const expired = new AckLinks(ackSecret, harness.baseUrl, 5).linkFor(
        notificationId,
        new Date(Date.now() - 10 * 60_000),
      );
      const tampered = link.slice(0, -1) + (link.endsWith('A') ? 'B' : 'A');

      const gone = await fetch(expired, { method: 'POST' });
      const forged = await fetch(tampered, { method: 'POST' });

      expect(gone.status).toBe(410);
      expect(gone.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(((await gone.json()) as { type: string }).type).toMatch(/ack-link-expired$/);
      expect(forged.status).toBe(404);
      expect((await acknowledged(alertId))?.acknowledged_by).toBeNull();
    });

    it("shows a browser an expired link in the recipient's language, and a link it cannot read in the browser's", async () => {
      const { alertId, notificationId } = await page('almaty', russianOfficerMail);
      const expired = new AckLinks(ackSecret, harness.baseUrl, 5).linkFor(
        notificationId,
        new Date(Date.now() - 10 * 60_000),
      );
      const forged = `${harness.baseUrl}/v1/ack/${'A'.repeat(27)}.${'A'.repeat(22)}`;
      const browser = (language?: string) => ({
        accept: 'text/html',
        ...(language ? { 'accept-language': language } : {}),
      });

      const gone = await fetch(expired, { method: 'POST', headers: browser('en') });
      expect(gone.status).toBe(410);
      expect(gone.headers.get('content-type')).toMatch(/text\/html/);
      const goneHtml = await gone.text();
      expect(goneHtml).toContain('<html lang="ru">');
      expect(goneHtml).toContain('<h1>Срок ссылки истёк</h1>');

      const kazakh = await fetch(forged, { headers: browser('kk-KZ,kk;q=0.9,ru;q=0.8') });
      expect(kazakh.status).toBe(404);
      const kazakhHtml = await kazakh.text();
      expect(kazakhHtml).toContain('<html lang="kk">');
      expect(kazakhHtml).toContain('<h1>Сілтеме жарамсыз</h1>');
      const other = await (await fetch(forged, { headers: browser('de-DE,de') })).text();
      expect(other).toContain('<html lang="en">');
      expect(other).toContain('<h1>Link not valid</h1>');
      expect((await acknowledged(alertId))?.acknowledged_by).toBeNull();
    });
  });

  describe('POST /v1/alerts/:alertId/acknowledge (for ops-console)', () => {
    const post = (alertId: string, body: unknown, token: string | null = serviceToken) =>
      fetch(`${harness.baseUrl}/v1/alerts/${alertId}/acknowledge`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });

    it('requires the service token', async () => {
      const { alertId } = await page();

      expect((await post(alertId, { by: 'officer-17', via: 'console' }, null)).status).toBe(401);
      expect(
        (await post(alertId, { by: 'officer-17', via: 'console' }, 'x'.repeat(43))).status,
      ).toBe(401);
      expect((await acknowledged(alertId))?.acknowledged_by).toBeNull();
    });

    it('names what is wrong with the request, and where', async () => {
      const { alertId } = await page();

      const response = await post(alertId, { by: 'Rustam Nazarov', via: 'pager' });

      expect(response.status).toBe(400);
      const problem = (await response.json()) as { 'invalid-params': { name: string }[] };
      expect(problem['invalid-params'].map((p) => p.name).sort()).toEqual(['/by', '/via']);
      expect((await post('not-a-uuid', { by: 'officer-17' })).status).toBe(400);
      expect((await post(randomUUID(), { by: 'officer-17' })).status).toBe(404);
    });

    it('acknowledges on behalf of the console user and lists the alert as acknowledged', async () => {
      const { caseId, alertId } = await page();

      const response = await post(alertId, { by: 'officer-17', via: 'console' });

      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        alertId,
        status: 'acknowledged',
        by: 'officer-17',
        via: 'console',
      });
      await eventually(
        harness.db,
        `SELECT 1 FROM alerting.escalations WHERE alert_id = $1`,
        [alertId],
        (rows) => rows.length === 0,
        'the escalation timer gone',
      );
      expect(await lifecycleEvents(harness.db, caseId)).toContainEqual({
        name: 'alert-acknowledged',
        data: { alertId, by: 'officer-17', via: 'console' },
      });
      const list = await fetch(`${harness.baseUrl}/v1/alerts?status=open`, {
        headers: { authorization: `Bearer ${serviceToken}` },
      });
      const { alerts } = (await list.json()) as {
        alerts: { alertId: string; acknowledgedBy: string | null; caseRef: string }[];
      };
      expect(alerts.find((a) => a.alertId === alertId)).toMatchObject({
        acknowledgedBy: 'officer-17',
        caseRef: expect.stringMatching(/^BCN-\d{6}$/),
      });
    });

    it('answers 409 for an alert that is no longer open', async () => {
      const victim = aCase('shymkent');
      await harness.publish([victim.detained()]);
      const [alert] = await eventually<{ alert_id: string }>(
        harness.db,
        `SELECT alert_id FROM alerting.alerts WHERE case_id = $1`,
        [victim.caseId],
        (r) => r.length === 1,
        'the alert',
      );
      await harness.publish([victim.closed()]);
      await eventually(
        harness.db,
        `SELECT 1 FROM alerting.alerts WHERE case_id = $1 AND status = 'resolved'`,
        [victim.caseId],
        (r) => r.length === 1,
        'the alert resolved',
      );

      const response = await post(alert!.alert_id, { by: 'officer-17' });

      expect(response.status).toBe(409);
      expect(((await response.json()) as { type: string }).type).toMatch(/alert-closed$/);
    });
  });
});
