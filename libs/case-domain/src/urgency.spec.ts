import { type CaseEvent } from '@beacon/events';
import { CASE_ID, at, given, idFor } from './case-events.fixtures';
import { type UrgencyAssessment, assessUrgency, foldCase, urgencyReviewAt } from './index';

function whenAssessed(
  events: readonly CaseEvent[],
  hoursAfterMidnight = 1,
  caseId = CASE_ID,
): UrgencyAssessment {
  return assessUrgency(foldCase(caseId, events), new Date(at(hoursAfterMidnight)));
}

const detained = () => given('detention-reported', { occurredAt: at(0) });
const disclosed = (hours = 0.5) =>
  given('whereabouts-updated', {
    occurredAt: at(hours),
    data: { captureAcknowledged: true, locationDisclosed: true, facilityType: 'police-station' },
  });
const access = (
  hours: number,
  parties: {
    family?: 'permitted' | 'denied';
    lawyer?: 'permitted' | 'denied';
    unhcr?: 'permitted' | 'denied';
  },
) =>
  given('access-status-updated', {
    occurredAt: at(hours),
    data: { family: 'unknown', lawyer: 'unknown', unhcr: 'unknown', ngo: 'unknown', ...parties },
  });
const threat = (
  hours: number,
  stage: CaseEvent<'removal-threat-reported'>['data']['stage'],
  toOrigin = false,
) =>
  given('removal-threat-reported', {
    occurredAt: at(hours),
    data: {
      stage,
      destinationIsOriginCountry: toOrigin,
      destinationCountry: toOrigin ? 'UZ' : 'RU',
    },
  });

describe(assessUrgency.name, () => {
  it('is routine for a case with no facts', () => {
    expect(whenAssessed([])).toEqual({ urgency: 'routine', reasons: [] });
  });

  it('is routine for a report and an identification alone', () => {
    const events = [
      given('report-received', { occurredAt: at(0.6) }),
      given('person-identified', { occurredAt: at(0.7) }),
    ];

    expect(whenAssessed(events)).toEqual({ urgency: 'routine', reasons: [] });
  });

  describe('detention', () => {
    it('is critical while the location is not disclosed', () => {
      expect(whenAssessed([detained()])).toEqual({
        urgency: 'critical',
        reasons: ['detained-location-undisclosed'],
      });
    });

    it('is critical when the authorities deny holding the person', () => {
      const denied = given('whereabouts-updated', {
        occurredAt: at(0.5),
        data: { captureAcknowledged: 'denied', locationDisclosed: false },
      });

      expect(whenAssessed([detained(), denied])).toEqual({
        urgency: 'critical',
        reasons: ['detained-capture-denied'],
      });
    });

    it('is high once the location is disclosed and a lawyer has access', () => {
      const events = [detained(), disclosed(), access(0.6, { lawyer: 'permitted' })];

      expect(whenAssessed(events)).toEqual({
        urgency: 'high',
        reasons: ['detained-disclosed-with-lawyer'],
      });
    });

    it('is high once the location is disclosed, even before a lawyer gets in', () => {
      expect(whenAssessed([detained(), disclosed()])).toEqual({
        urgency: 'high',
        reasons: ['detained-location-disclosed'],
      });
    });

    it('is critical when held incommunicado: lawyer, UNHCR and family denied', () => {
      const events = [
        detained(),
        disclosed(),
        access(0.6, { lawyer: 'denied', unhcr: 'denied', family: 'denied' }),
      ];

      expect(whenAssessed(events)).toEqual({
        urgency: 'critical',
        reasons: ['incommunicado', 'detained-location-disclosed'],
      });
    });

    it('is critical when lawyer and UNHCR are denied even if the family may visit', () => {
      const events = [
        detained(),
        disclosed(),
        access(0.6, { lawyer: 'denied', unhcr: 'denied', family: 'permitted' }),
      ];

      expect(whenAssessed(events)).toMatchObject({
        urgency: 'critical',
        reasons: ['lawyer-and-unhcr-denied', 'detained-location-disclosed'],
      });
    });

    it('is high when one of lawyer and UNHCR is denied', () => {
      const events = [
        detained(),
        disclosed(),
        access(0.6, { lawyer: 'permitted', unhcr: 'denied' }),
      ];

      expect(whenAssessed(events)).toEqual({
        urgency: 'high',
        reasons: ['detained-disclosed-with-lawyer', 'lawyer-or-unhcr-denied'],
      });
    });

    it('is critical when moved towards a border or airport', () => {
      const transfer = given('transferred', {
        occurredAt: at(2),
        data: { towardsBorderOrAirport: true, newLocationKnown: true },
      });

      expect(whenAssessed([detained(), disclosed(), transfer], 3)).toEqual({
        urgency: 'critical',
        reasons: ['transfer-towards-border', 'detained-location-disclosed'],
      });
    });

    it('is critical when moved to an unknown place', () => {
      const transfer = given('transferred', {
        occurredAt: at(2),
        data: { towardsBorderOrAirport: false, newLocationKnown: false },
      });

      expect(whenAssessed([detained(), disclosed(), transfer], 3)).toEqual({
        urgency: 'critical',
        reasons: ['detained-location-undisclosed'],
      });
    });

    it('ends with the release', () => {
      const released = given('released', { occurredAt: at(3) });

      expect(whenAssessed([detained(), released], 4)).toEqual({ urgency: 'routine', reasons: [] });
    });
  });

  describe('contact lost', () => {
    const lost = (hours: number, occurredAt: number) =>
      given('contact-lost', { occurredAt: at(occurredAt), data: { hoursWithoutContact: hours } });

    it('is high after T = 12 hours without news while detained', () => {
      expect(whenAssessed([detained(), disclosed(), lost(12, 12.5)], 13)).toEqual({
        urgency: 'high',
        reasons: ['detained-location-disclosed', 'contact-lost-t'],
      });
    });

    it('is critical after 2T', () => {
      expect(whenAssessed([detained(), disclosed(), lost(24, 24.5)], 25)).toMatchObject({
        urgency: 'critical',
        reasons: ['contact-lost-2t', 'detained-location-disclosed'],
      });
    });

    it('clears when news arrives that happened later', () => {
      const news = access(25, { lawyer: 'permitted' });

      expect(whenAssessed([detained(), disclosed(), lost(24, 24.5), news], 26)).toEqual({
        urgency: 'high',
        reasons: ['detained-disclosed-with-lawyer'],
      });
    });

    it('does not count once the person is released', () => {
      expect(
        whenAssessed([detained(), given('released', { occurredAt: at(2) }), lost(24, 24.5)], 25),
      ).toEqual({
        urgency: 'routine',
        reasons: [],
      });
    });
  });

  describe('removal', () => {
    it('is high for a verbal threat of removal elsewhere', () => {
      expect(whenAssessed([threat(0.5, 'verbal-threat')])).toEqual({
        urgency: 'high',
        reasons: ['removal-threatened'],
      });
    });

    it('is critical for any threat of removal to the country of origin', () => {
      expect(whenAssessed([threat(0.5, 'verbal-threat', true)])).toEqual({
        urgency: 'critical',
        reasons: ['removal-to-origin'],
      });
    });

    it.each(['order-issued', 'court-approved'] as const)(
      'is critical once the removal is ordered (%s)',
      (stage) => {
        expect(whenAssessed([threat(0.5, stage)])).toEqual({
          urgency: 'critical',
          reasons: ['removal-ordered'],
        });
      },
    );

    it.each(['scheduled', 'moved-to-border'] as const)(
      'is critical once the removal is scheduled (%s)',
      (stage) => {
        expect(whenAssessed([threat(0.5, stage, true)])).toEqual({
          urgency: 'critical',
          reasons: ['removal-scheduled', 'removal-to-origin'],
        });
      },
    );

    it('stays critical after the removal, for post-return follow-up', () => {
      const removed = given('removed', { occurredAt: at(30) });

      expect(whenAssessed([detained(), threat(1, 'scheduled'), removed], 40)).toEqual({
        urgency: 'critical',
        reasons: ['removal-executed'],
      });
    });

    it('drops a verbal threat made in custody when the person is released', () => {
      const events = [
        detained(),
        threat(0.5, 'verbal-threat', true),
        given('released', { occurredAt: at(3) }),
      ];

      expect(whenAssessed(events, 4)).toEqual({ urgency: 'routine', reasons: [] });
    });

    it('keeps an order after the release: it outlives custody', () => {
      const events = [
        detained(),
        threat(0.5, 'order-issued'),
        given('released', { occurredAt: at(3) }),
      ];

      expect(whenAssessed(events, 4)).toEqual({
        urgency: 'critical',
        reasons: ['removal-ordered'],
      });
    });
  });

  describe('ill-treatment', () => {
    const beaten = () =>
      given('ill-treatment-reported', { occurredAt: at(2), data: { kinds: ['beating'] } });

    it('is critical for 7 days after it happened, whatever the custody', () => {
      const released = given('released', { occurredAt: at(3) });

      expect(whenAssessed([detained(), beaten(), released], 2 + 7 * 24)).toEqual({
        urgency: 'critical',
        reasons: ['ill-treatment-7d'],
      });
    });

    it('is no longer critical after 7 days', () => {
      const released = given('released', { occurredAt: at(3) });

      expect(whenAssessed([detained(), beaten(), released], 2 + 7 * 24 + 0.1)).toEqual({
        urgency: 'routine',
        reasons: [],
      });
    });
  });

  describe('hearing', () => {
    const hearing = (hearingInHours: number, counsel: 'none' | 'state-appointed' | 'ngo') =>
      given('legal-proceeding-updated', {
        occurredAt: at(1),
        data: { hearingAt: at(1 + hearingInHours), counsel },
      });

    it.each(['none', 'state-appointed'] as const)(
      'is high within 72 h of a hearing with counsel %s',
      (counsel) => {
        expect(whenAssessed([hearing(48, counsel)])).toEqual({
          urgency: 'high',
          reasons: ['hearing-72h-without-ngo-counsel'],
        });
      },
    );

    it('is routine when NGO counsel is on the case', () => {
      expect(whenAssessed([hearing(48, 'ngo')])).toEqual({ urgency: 'routine', reasons: [] });
    });

    it('is routine while the hearing is more than 72 h away, then high', () => {
      expect(whenAssessed([hearing(80, 'none')])).toEqual({ urgency: 'routine', reasons: [] });
      expect(whenAssessed([hearing(80, 'none')], 10)).toMatchObject({ urgency: 'high' });
    });

    it('is routine once the hearing has passed', () => {
      expect(whenAssessed([hearing(2, 'none')], 4)).toEqual({ urgency: 'routine', reasons: [] });
    });

    it('is routine when a later update says no hearing is scheduled', () => {
      const cancelled = given('legal-proceeding-updated', {
        occurredAt: at(2),
        data: { hearingAt: null, counsel: 'none' },
      });

      expect(whenAssessed([hearing(48, 'none'), cancelled], 3)).toEqual({
        urgency: 'routine',
        reasons: [],
      });
    });
  });

  describe('closed case', () => {
    it('is routine whatever holds', () => {
      const events = [
        detained(),
        threat(0.5, 'scheduled', true),
        given('case-closed', { occurredAt: at(5) }),
      ];

      expect(whenAssessed(events, 6)).toEqual({ urgency: 'routine', reasons: [] });
    });

    it('is assessed again once reopened', () => {
      const events = [
        detained(),
        given('case-closed', { occurredAt: at(5) }),
        given('case-reopened', { occurredAt: at(6) }),
      ];

      expect(whenAssessed(events, 7)).toMatchObject({ urgency: 'critical' });
    });

    it('stays closed when a reopening that happened earlier is reported late', () => {
      const events = [
        detained(),
        given('case-closed', { occurredAt: at(6) }),
        given('case-reopened', { occurredAt: at(5) }),
      ];

      expect(whenAssessed(events, 7)).toEqual({ urgency: 'routine', reasons: [] });
    });
  });

  describe('record corrected', () => {
    it('withdraws a detention reported in error', () => {
      const detention = detained();
      const correction = given('record-corrected', {
        occurredAt: at(2),
        data: { correctsEventId: detention.id, fields: ['authority'], reason: 'wrong-case' },
      });

      expect(whenAssessed([detention, correction], 3)).toEqual({ urgency: 'routine', reasons: [] });
      expect(whenAssessed([correction, detention], 3)).toEqual({ urgency: 'routine', reasons: [] });
    });

    it('lets the replacement count instead', () => {
      const wrong = given('transferred', {
        occurredAt: at(1),
        data: { towardsBorderOrAirport: true },
      });
      const replacement = given('transferred', {
        occurredAt: at(1),
        id: idFor(9_999),
        data: { towardsBorderOrAirport: false, newLocationKnown: true },
      });
      const correction = given('record-corrected', {
        occurredAt: at(2),
        data: {
          correctsEventId: wrong.id,
          fields: ['towardsBorderOrAirport'],
          replacementEventId: replacement.id,
        },
      });

      expect(whenAssessed([detained(), wrong, correction, replacement], 3)).toEqual({
        urgency: 'high',
        reasons: ['detained-location-disclosed'],
      });
    });
  });

  describe('the Almaty night raid', () => {
    // Five men taken from their homes at midnight by masked armed men; one beaten; all threatened
    // with deportation to their country of origin; no lawyer, no UNHCR, no family.
    const men = [1, 2, 3, 4, 5].map((n) => ({
      caseId: idFor(1_000 + n),
      personRef: `p_raidAlmaty2009x${n}`,
      beaten: n === 3,
    }));
    const eventsOf = (man: (typeof men)[number]) => {
      const context = {
        ...given('report-received', { occurredAt: at(0.7) }).data.context,
        personRef: man.personRef,
      };
      const about = { caseId: man.caseId };
      return [
        given('report-received', {
          ...about,
          occurredAt: at(0.7),
          data: { context, peopleConcerned: 5 },
        }),
        given('person-identified', { ...about, occurredAt: at(0.75), data: { context } }),
        given('detention-reported', {
          ...about,
          occurredAt: at(0),
          data: {
            context,
            authority: 'unidentified-armed-men',
            manner: 'home-raid',
            place: { region: 'almaty' },
          },
        }),
        given('access-status-updated', {
          ...about,
          occurredAt: at(2),
          data: { context, family: 'denied', lawyer: 'denied', unhcr: 'denied', ngo: 'denied' },
        }),
        given('removal-threat-reported', {
          ...about,
          occurredAt: at(1.5),
          data: {
            context,
            kind: 'deportation',
            stage: 'verbal-threat',
            destinationIsOriginCountry: true,
          },
        }),
        ...(man.beaten
          ? [
              given('ill-treatment-reported', {
                ...about,
                occurredAt: at(1),
                data: { context, kinds: ['beating'] },
              }),
            ]
          : []),
      ];
    };

    it.each(men)('is critical for each of the five ($personRef)', (man) => {
      const sut = whenAssessed(eventsOf(man), 3, man.caseId);

      expect(sut.urgency).toBe('critical');
      expect(sut.reasons).toEqual([
        'detained-location-undisclosed',
        'incommunicado',
        'removal-to-origin',
        ...(man.beaten ? ['ill-treatment-7d'] : []),
      ]);
    });

    it('links the five cases by one incident, each with its own person and region', () => {
      const states = men.map((man) => foldCase(man.caseId, eventsOf(man)));

      expect(new Set(states.map((s) => s.incidentId)).size).toBe(1);
      expect(states.map((s) => s.personRef)).toEqual(men.map((m) => m.personRef));
      expect(states.every((s) => s.region === 'almaty' && s.custody === 'detained')).toBe(true);
    });

    it('stands down on release within hours, except for the man who was beaten', () => {
      const afterRelease = men.map((man) =>
        whenAssessed(
          [...eventsOf(man), given('released', { caseId: man.caseId, occurredAt: at(4) })],
          5,
          man.caseId,
        ),
      );

      expect(afterRelease.map((a) => a.urgency)).toEqual([
        'routine',
        'routine',
        'critical',
        'routine',
        'routine',
      ]);
    });
  });
});

describe(urgencyReviewAt.name, () => {
  const beaten = given('ill-treatment-reported', { occurredAt: at(2), data: { kinds: ['beating'] } });
  const hearingIn = (hours: number, counsel: 'none' | 'ngo' = 'none') =>
    given('legal-proceeding-updated', { occurredAt: at(1), data: { hearingAt: at(1 + hours), counsel } });
  const reviewAt = (events: readonly CaseEvent[], hoursAfterMidnight: number) =>
    urgencyReviewAt(foldCase(CASE_ID, events), new Date(at(hoursAfterMidnight)))?.toISOString() ?? null;

  it('is never for a state whose assessment does not depend on time', () => {
    expect(reviewAt([given('detention-reported', { occurredAt: at(0) })], 1)).toBeNull();
  });

  it('is the end of the 7-day window after ill-treatment', () => {
    const end = new Date(Date.parse(at(2 + 7 * 24)) + 1).toISOString();

    expect(reviewAt([beaten], 3)).toBe(end);
    expect(whenAssessed([beaten], 2 + 7 * 24)).toMatchObject({ urgency: 'critical' });
    expect(assessUrgency(foldCase(CASE_ID, [beaten]), new Date(end))).toMatchObject({ urgency: 'routine' });
  });

  it('is 72 h before a hearing without NGO counsel, then the hearing itself', () => {
    expect(reviewAt([hearingIn(100)], 1)).toBe(at(1 + 100 - 72));
    expect(reviewAt([hearingIn(100)], 1 + 100 - 72)).toBe(new Date(Date.parse(at(101)) + 1).toISOString());
    expect(reviewAt([hearingIn(100)], 102)).toBeNull();
  });

  it('is never for a hearing with NGO counsel, nor for a closed case', () => {
    expect(reviewAt([hearingIn(100, 'ngo')], 1)).toBeNull();
    expect(reviewAt([beaten, given('case-closed', { occurredAt: at(3) })], 4)).toBeNull();
  });
});
