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
const HOUR = 3_600_000;

/**
 * What changes with the clock alone, no new event: the dispatcher raises contact-lost for a
 * detained person with no news, pages when a hearing comes within 72 h, and resolves an alert
 * whose reason has lapsed.
 */
describe('case review: what the clock changes', () => {
  let infra: SharedInfrastructure;
  let smsc: SmppSimulator;
  let smtp: SmtpCapture;
  let harness: Harness;

  beforeAll(async () => {
    infra = await sharedInfrastructure(
      await createTestDatabase('beacon_alerting_review'),
      requireInfrastructure('KAFKA_BROKERS'),
      `${uniqueName('review')}.`,
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

  const alertsOf = async (caseId: string) =>
    (
      await harness.db.query<{ alert_id: string; urgency: string; status: string }>(
        `SELECT alert_id, urgency, status FROM alerting.alerts WHERE case_id = $1 ORDER BY raised_at`,
        [caseId],
      )
    ).rows;

  it('raises contact-lost at 12 and at 24 hours without news of a detained person, and pages at the rise to critical', async () => {
    const victim = aCase('shymkent');
    // The last news is almost a day old when it is reported: contact-lost at T at once, then
    // at 2T a few seconds later.
    const lastNews = new Date(Date.now() - 24 * HOUR + 6_000);
    // Moved to a place that is known: high, until nothing has been heard for too long.
    await harness.publish([
      victim.fact(
        'transferred',
        (d) => ({
          ...d,
          from: { region: 'shymkent' },
          to: { region: 'shymkent' },
          towardsBorderOrAirport: false,
          newLocationKnown: true,
        }),
        lastNews,
      ),
    ]);
    const first = await smsc.waitForMessage((m) => m.to === officer && / TRF case /.test(m.text));
    // The rise comes seconds later, inside the incident's update window: a rise still pages.
    expect(first.text).toMatch(/^Beacon: HIGH TRF case BCN-\d{6}\. Reply ACK \d{4}$/);

    const page = await smsc.waitForMessage((m) => m.to === officer && / LST case /.test(m.text));
    expect(page.text).toMatch(/^Beacon: CRITICAL LST case BCN-\d{6}\. Reply ACK \d{4}$/);
    const alerts = await eventually<{ urgency: string; status: string }>(
      harness.db,
      `SELECT urgency, status FROM alerting.alerts WHERE case_id = $1 ORDER BY raised_at`,
      [victim.caseId],
      (rows) => rows.some((a) => a.urgency === 'critical' && a.status === 'open'),
      'the critical alert open',
    );
    // First the high alert for the detention, then the critical one that supersedes it.
    expect(alerts.map((a) => [a.urgency, a.status])).toEqual([
      ['high', 'superseded'],
      ['critical', 'open'],
    ]);
    const lost = (await lifecycleEvents(harness.db, victim.caseId)).filter(
      (e) => e.name === 'contact-lost',
    );
    expect(lost).toEqual([
      { name: 'contact-lost', data: { hoursWithoutContact: 23 } },
      { name: 'contact-lost', data: { hoursWithoutContact: 24 } },
    ]);

    // Reviewed again later, the case raises nothing more: 2T has been raised.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(
      (await lifecycleEvents(harness.db, victim.caseId)).filter((e) => e.name === 'contact-lost'),
    ).toHaveLength(2);
    const { rows } = await harness.db.query<{ review_at: Date | null }>(
      `SELECT review_at FROM alerting.case_states WHERE case_id = $1`,
      [victim.caseId],
    );
    expect(rows[0]?.review_at).toBeNull();
    // Operators see it counted, and no review late.
    const metrics = await (await fetch(`${harness.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^beacon_contact_lost_total(\{[^}]*\})? 2$/m);
    expect(metrics).toMatch(/^beacon_case_reviews_overdue(\{[^}]*\})? 0$/m);
  });

  it('raises nothing for a detained person with recent news', async () => {
    const victim = aCase('shymkent');
    await harness.publish([victim.detained()]);
    await eventually(
      harness.db,
      `SELECT 1 FROM alerting.alerts WHERE case_id = $1`,
      [victim.caseId],
      (rows) => rows.length === 1,
      'the detention alert',
    );
    const { rows } = await harness.db.query<{ review_at: Date }>(
      `SELECT review_at FROM alerting.case_states WHERE case_id = $1`,
      [victim.caseId],
    );
    // Reported a minute after it happened: looked at again twelve hours after.
    expect(rows[0]!.review_at.getTime()).toBeGreaterThan(Date.now() + 11.9 * HOUR);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(
      (await lifecycleEvents(harness.db, victim.caseId)).filter((e) => e.name === 'contact-lost'),
    ).toEqual([]);
  });

  it('pages when a hearing without NGO counsel comes within 72 hours, with no new event', async () => {
    const victim = aCase('shymkent');
    const hearingAt = new Date(Date.now() + 72 * HOUR + 4_000);
    await harness.publish([
      victim.fact('legal-proceeding-updated', (d) => ({
        ...d,
        counsel: 'state-appointed',
        hearingAt: hearingAt.toISOString(),
      })),
    ]);
    await eventually(
      harness.db,
      `SELECT urgency FROM alerting.case_states WHERE case_id = $1`,
      [victim.caseId],
      (rows) => rows.length === 1,
      'the case folded',
    );
    expect(await alertsOf(victim.caseId)).toEqual([]);

    const page = await smsc.waitForMessage((m) => m.to === officer && / LGL case /.test(m.text));
    expect(page.text).toMatch(/^Beacon: HIGH LGL case BCN-\d{6}\. Reply ACK \d{4}$/);
    const alerts = await alertsOf(victim.caseId);
    expect(alerts.map((a) => [a.urgency, a.status])).toEqual([['high', 'open']]);
    expect(await lifecycleEvents(harness.db, victim.caseId)).toContainEqual({
      name: 'alert-raised',
      data: expect.objectContaining({ rule: 'urgency-high', previousUrgency: 'routine' }),
    });
  });

  it('resolves the alert when an ill-treatment leaves its seven days and nothing else holds', async () => {
    const victim = aCase('shymkent');
    await harness.publish([
      victim.fact('ill-treatment-reported', (d) => d, new Date(Date.now() - 7 * 24 * HOUR + 4_000)),
    ]);
    const [raised] = await eventually<{ alert_id: string; urgency: string }>(
      harness.db,
      `SELECT alert_id, urgency FROM alerting.alerts WHERE case_id = $1 AND status = 'open'`,
      [victim.caseId],
      (rows) => rows.length === 1,
      'the critical alert for the ill-treatment',
    );
    expect(raised?.urgency).toBe('critical');

    await eventually<{ status: string }>(
      harness.db,
      `SELECT status FROM alerting.alerts WHERE alert_id = $1`,
      [raised!.alert_id],
      (rows) => rows[0]?.status === 'resolved',
      'the alert resolved once the seven days are over',
      15_000,
    );
    expect(await lifecycleEvents(harness.db, victim.caseId)).toContainEqual({
      name: 'alert-resolved',
      data: { alertId: raised!.alert_id, reason: 'urgency-dropped' },
    });
  });
});
