import { type CaseEvent } from '@beacon/events';
import fc from 'fast-check';
import { CASE_ID, HOUR, at, given } from './case-events.fixtures';
import { assessUrgency, caseReviewAt, contactLostDue, foldCase, lastNewsAt } from './index';

const detained = (hours = 0) => given('detention-reported', { occurredAt: at(hours) });
const disclosedWithLawyer = (hours: number) => [
  given('whereabouts-updated', {
    occurredAt: at(hours),
    data: { captureAcknowledged: true, locationDisclosed: true, facilityType: 'police-station' },
  }),
  given('access-status-updated', {
    occurredAt: at(hours),
    data: {
      family: 'unknown',
      lawyer: 'permitted',
      unhcr: 'unknown',
      ngo: 'unknown',
      lastConfirmedContactAt: undefined,
    },
  }),
];
const contactLost = (hours: number, raisedAt: number) =>
  given('contact-lost', {
    occurredAt: at(raisedAt),
    data: { hoursWithoutContact: hours, lastConfirmedContactAt: undefined },
  });
const stateOf = (events: readonly CaseEvent[]) => foldCase(CASE_ID, events);
const when = (hours: number) => new Date(at(hours));

describe(contactLostDue.name, () => {
  it('comes due T hours after the last news of a detained person, then at 2T', () => {
    const events = [detained(0), ...disclosedWithLawyer(1)];

    expect(contactLostDue(stateOf(events), when(12.9))).toBeNull();
    expect(contactLostDue(stateOf(events), when(13))).toEqual({
      hoursWithoutContact: 12,
      lastNewsAt: at(1),
    });

    const afterFirst = [...events, contactLost(12, 13)];
    expect(contactLostDue(stateOf(afterFirst), when(24.9))).toBeNull();
    expect(contactLostDue(stateOf(afterFirst), when(25))).toEqual({
      hoursWithoutContact: 24,
      lastNewsAt: at(1),
    });

    const afterSecond = [...afterFirst, contactLost(24, 25)];
    expect(contactLostDue(stateOf(afterSecond), when(200))).toBeNull();
  });

  it('raises the case to high at T and critical at 2T when nothing else holds it there', () => {
    const events = [detained(0), ...disclosedWithLawyer(1)];
    expect(assessUrgency(stateOf(events), when(13)).urgency).toBe('high');

    expect(assessUrgency(stateOf([...events, contactLost(12, 13)]), when(13)).reasons).toContain(
      'contact-lost-t',
    );
    expect(
      assessUrgency(stateOf([...events, contactLost(12, 13), contactLost(24, 25)]), when(25)),
    ).toMatchObject({ urgency: 'critical', reasons: expect.arrayContaining(['contact-lost-2t']) });
  });

  it('starts again from any news of the person', () => {
    const events = [detained(0), ...disclosedWithLawyer(5)];

    expect(contactLostDue(stateOf(events), when(16.9))).toBeNull();
    expect(contactLostDue(stateOf(events), when(17))?.hoursWithoutContact).toBe(12);
    // News after a contact-lost clears it and restarts the clock.
    const later = [...events, contactLost(12, 17), ...disclosedWithLawyer(20)];
    expect(stateOf(later).contactLostHours).toBeNull();
    expect(contactLostDue(stateOf(later), when(31.9))).toBeNull();
    expect(contactLostDue(stateOf(later), when(32))?.hoursWithoutContact).toBe(12);
  });

  it('does not take an intervention, or a fact withdrawn by a correction, for news', () => {
    const news = given('whereabouts-updated', {
      occurredAt: at(6),
      data: { captureAcknowledged: true, locationDisclosed: true, facilityType: 'police-station' },
    });
    const events = [
      detained(0),
      given('intervention-logged', { occurredAt: at(4) }),
      news,
      given('record-corrected', {
        occurredAt: at(7),
        data: { correctsEventId: news.id },
      }),
    ];

    expect(lastNewsAt(stateOf(events))).toBe(at(0));
    expect(contactLostDue(stateOf(events), when(12))?.hoursWithoutContact).toBe(12);
  });

  it('counts from a later confirmed contact', () => {
    const events = [
      detained(0),
      given('access-status-updated', {
        occurredAt: at(1),
        data: {
          family: 'permitted',
          lawyer: 'unknown',
          unhcr: 'unknown',
          ngo: 'unknown',
          lastConfirmedContactAt: at(3),
        },
      }),
    ];

    expect(lastNewsAt(stateOf(events))).toBe(at(3));
    expect(contactLostDue(stateOf(events), when(14.9))).toBeNull();
    expect(contactLostDue(stateOf(events), when(15))?.lastNewsAt).toBe(at(3));
  });

  it('raises once, with the hours actually passed, when a report arrives long after the news', () => {
    const due = contactLostDue(stateOf([detained(0)]), when(30.5));
    expect(due).toEqual({ hoursWithoutContact: 30, lastNewsAt: at(0) });

    expect(contactLostDue(stateOf([detained(0), contactLost(30, 30.5)]), when(100))).toBeNull();
  });

  it('never comes due for a person at liberty, released, removed, or a closed case', () => {
    const released = [detained(0), given('released', { occurredAt: at(2) })];
    const removed = [detained(0), given('removed', { occurredAt: at(2) })];
    const closed = [detained(0), given('case-closed', { occurredAt: at(2) })];

    for (const events of [[], released, removed, closed]) {
      expect(contactLostDue(stateOf(events), when(100))).toBeNull();
      expect(caseReviewAt(stateOf(events), when(3))).toBeNull();
    }
  });
});

describe(caseReviewAt.name, () => {
  it('is the next contact-lost threshold not yet raised', () => {
    const events = [detained(0), ...disclosedWithLawyer(1)];

    expect(caseReviewAt(stateOf(events), when(2))).toEqual(when(13));
    expect(caseReviewAt(stateOf([...events, contactLost(12, 13)]), when(13))).toEqual(when(25));
    // Raised but not yet folded in: the next review is at 2T, not at once again.
    expect(caseReviewAt(stateOf(events), when(13), 12)).toEqual(when(25));
    expect(caseReviewAt(stateOf(events), when(25), 24)).toBeNull();
  });

  it('is now when a threshold has already passed unraised', () => {
    expect(caseReviewAt(stateOf([detained(0)]), when(40))).toEqual(when(40));
  });

  it('is the earlier of a contact threshold and an urgency the clock changes', () => {
    const hearing = given('legal-proceeding-updated', {
      occurredAt: at(1),
      data: { counsel: 'none', hearingAt: at(80) },
    });
    // The hearing comes within 72 h at hour 8, before contact-lost comes due at hour 13.
    expect(caseReviewAt(stateOf([detained(0), hearing]), when(2))).toEqual(when(8));
  });

  /** Any detention history: news of the person at random hours, contact-lost raised or not. */
  const histories = fc
    .array(
      fc.oneof(
        fc.record({ kind: fc.constant('news' as const), hour: fc.integer({ min: 0, max: 96 }) }),
        fc.record({
          kind: fc.constant('lost' as const),
          hour: fc.integer({ min: 0, max: 96 }),
          hours: fc.constantFrom(12, 24, 30),
        }),
        fc.record({
          kind: fc.constant('hearing' as const),
          hour: fc.integer({ min: 0, max: 96 }),
          at: fc.integer({ min: 0, max: 240 }),
        }),
      ),
      { maxLength: 6 },
    )
    .map((steps) => [
      detained(0),
      ...steps.map((step) =>
        step.kind === 'news'
          ? given('whereabouts-updated', {
              occurredAt: at(step.hour),
              data: {
                captureAcknowledged: true,
                locationDisclosed: true,
                facilityType: 'police-station',
              },
            })
          : step.kind === 'lost'
            ? contactLost(step.hours, step.hour)
            : given('legal-proceeding-updated', {
                occurredAt: at(step.hour),
                data: { counsel: 'none', hearingAt: at(step.at) },
              }),
      ),
    ]);

  it('lets nothing change unseen: before the review time nothing comes due and the urgency holds', () => {
    fc.assert(
      fc.property(
        histories,
        fc.integer({ min: 0, max: 300 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (events, nowHour, fraction) => {
          const state = stateOf(events);
          const now = when(nowHour);
          fc.pre(contactLostDue(state, now) === null);
          const review = caseReviewAt(state, now);
          const horizon = review ? review.getTime() : now.getTime() + 1000 * HOUR;
          const t = new Date(now.getTime() + Math.floor((horizon - now.getTime()) * fraction));
          fc.pre(t.getTime() < horizon);
          expect(contactLostDue(state, t)).toBeNull();
          expect(assessUrgency(state, t)).toEqual(assessUrgency(state, now));
        },
      ),
    );
  });

  it('finds contact-lost due at the review time when it is the next thing', () => {
    fc.assert(
      fc.property(histories, fc.integer({ min: 0, max: 300 }), (events, nowHour) => {
        const state = stateOf(events);
        const now = when(nowHour);
        const review = caseReviewAt(state, now);
        fc.pre(review !== null && contactLostDue(state, now) === null);
        const changes =
          contactLostDue(state, review) !== null ||
          JSON.stringify(assessUrgency(state, review)) !==
            JSON.stringify(assessUrgency(state, now));
        expect(changes).toBe(true);
      }),
    );
  });
});
