import { EVENT_NAMES, EXAMPLES, LIFECYCLE_EVENT_NAMES } from '@beacon/events';
import { CASE_ID, INCIDENT_ID, at, given, idFor } from './case-events.fixtures';
import { accessOf, evolve, foldCase, initialCaseState } from './index';

describe(evolve.name, () => {
  it('handles an example of every event type', () => {
    const sut = foldCase(
      CASE_ID,
      EVENT_NAMES.map((name) => EXAMPLES[name]),
    );

    expect(sut.facts).toHaveLength(EVENT_NAMES.length - LIFECYCLE_EVENT_NAMES.length);
  });

  it('does not change the state it is given', () => {
    const before = initialCaseState(CASE_ID);
    const snapshot = structuredClone(before);

    const after = evolve(before, given('detention-reported', { occurredAt: at(0) }));

    expect(before).toEqual(snapshot);
    expect(after.custody).toBe('detained');
  });

  it('records who, where and which incident from the report context', () => {
    const sut = foldCase(CASE_ID, [given('detention-reported', { occurredAt: at(0) })]);

    expect(sut).toMatchObject({
      personRef: EXAMPLES['detention-reported'].data.context.personRef,
      region: 'almaty',
      incidentId: INCIDENT_ID,
      custody: 'detained',
      detainedSince: '2009-03-11T18:00:00.000Z',
      locationStatus: 'unknown',
      openedAt: '2009-03-11T18:00:00.000Z',
      lastOccurredAt: '2009-03-11T18:00:00.000Z',
    });
  });

  it('ignores another case’s events', () => {
    const other = given('detention-reported', { occurredAt: at(0), caseId: idFor(77) });

    expect(foldCase(CASE_ID, [other])).toEqual(initialCaseState(CASE_ID));
  });

  it('changes no case fact for alerting lifecycle events', () => {
    const sut = foldCase(
      CASE_ID,
      LIFECYCLE_EVENT_NAMES.map((name) => EXAMPLES[name]),
    );

    expect(sut).toEqual(initialCaseState(CASE_ID));
  });

  it('leaves a person released when the release is reported before the detention it ended', () => {
    const detention = given('detention-reported', { occurredAt: at(0) });
    const release = given('released', { occurredAt: at(3) });

    expect(foldCase(CASE_ID, [release, detention]).custody).toBe('released');
    expect(foldCase(CASE_ID, [detention, release]).custody).toBe('released');
  });

  it('orders instants written with and without milliseconds alike', () => {
    const detention = given('detention-reported', { occurredAt: '2009-03-11T18:00:00.500Z' });
    const release = given('released', { occurredAt: '2009-03-11T18:00:01Z' });

    expect(foldCase(CASE_ID, [release, detention]).custody).toBe('released');
  });

  it('does not let an access report of "unknown" undo a known denial', () => {
    const denied = given('access-status-updated', {
      occurredAt: at(1),
      data: { family: 'denied', lawyer: 'denied', unhcr: 'denied', ngo: 'unknown' },
    });
    const partial = given('access-status-updated', {
      occurredAt: at(2),
      data: { family: 'permitted', lawyer: 'unknown', unhcr: 'unknown', ngo: 'unknown' },
    });

    const sut = foldCase(CASE_ID, [
      given('detention-reported', { occurredAt: at(0) }),
      denied,
      partial,
    ]);

    expect(sut.accessByParty).toEqual({
      family: 'permitted',
      lawyer: 'denied',
      unhcr: 'denied',
      ngo: 'unknown',
    });
    expect(sut.access).toBe('partial');
  });

  it('starts a new detention from nothing known', () => {
    const events = [
      given('detention-reported', { occurredAt: at(0) }),
      given('whereabouts-updated', {
        occurredAt: at(1),
        data: { captureAcknowledged: true, locationDisclosed: true },
      }),
      given('access-status-updated', { occurredAt: at(1), data: { lawyer: 'permitted' } }),
      given('released', { occurredAt: at(3) }),
      given('detention-reported', { occurredAt: at(48) }),
    ];

    const sut = foldCase(CASE_ID, events);

    expect(sut).toMatchObject({
      custody: 'detained',
      detainedSince: at(48),
      locationStatus: 'unknown',
      accessByParty: { family: 'unknown', lawyer: 'unknown', unhcr: 'unknown', ngo: 'unknown' },
    });
  });

  it('treats a second report of the same detention as the same detention', () => {
    const events = [
      given('detention-reported', { occurredAt: at(0) }),
      given('whereabouts-updated', {
        occurredAt: at(1),
        data: { captureAcknowledged: true, locationDisclosed: true },
      }),
      given('detention-reported', { occurredAt: at(1.5) }),
    ];

    expect(foldCase(CASE_ID, events)).toMatchObject({
      detainedSince: at(0),
      locationStatus: 'disclosed',
    });
  });

  it('keeps the hearing date unless an update states one', () => {
    const set = given('legal-proceeding-updated', {
      occurredAt: at(1),
      data: { hearingAt: at(30) },
    });
    const silent = given('legal-proceeding-updated', {
      occurredAt: at(2),
      data: { hearingAt: undefined, counsel: 'ngo' },
    });

    expect(foldCase(CASE_ID, [set, silent])).toMatchObject({
      nextHearingAt: at(30),
      counsel: 'ngo',
    });
  });

  it('marks the case erased on request', () => {
    expect(foldCase(CASE_ID, [given('record-erased', { occurredAt: at(1) })]).erased).toBe(true);
  });

  it('survives a JSON round trip, as the stored projection does', () => {
    const state = foldCase(CASE_ID, [given('detention-reported', { occurredAt: at(0) })]);
    const next = given('released', { occurredAt: at(3) });

    expect(evolve(JSON.parse(JSON.stringify(state)) as typeof state, next)).toEqual(
      evolve(state, next),
    );
  });
});

describe(accessOf.name, () => {
  it.each([
    [{ family: 'unknown', lawyer: 'unknown', unhcr: 'unknown', ngo: 'unknown' }, 'full'],
    [{ family: 'permitted', lawyer: 'permitted', unhcr: 'permitted', ngo: 'permitted' }, 'full'],
    [{ family: 'unknown', lawyer: 'unknown', unhcr: 'unknown', ngo: 'denied' }, 'partial'],
    [{ family: 'unknown', lawyer: 'denied', unhcr: 'unknown', ngo: 'unknown' }, 'partial'],
    [{ family: 'permitted', lawyer: 'denied', unhcr: 'denied', ngo: 'unknown' }, 'partial'],
    [{ family: 'unknown', lawyer: 'denied', unhcr: 'denied', ngo: 'unknown' }, 'incommunicado'],
    [{ family: 'denied', lawyer: 'denied', unhcr: 'denied', ngo: 'permitted' }, 'incommunicado'],
  ] as const)('%o → %s', (parties, expected) => {
    expect(accessOf(parties)).toBe(expected);
  });
});
