import { syntheticCaseEvents } from '@beacon/case-domain';
import fc from 'fast-check';
import { EXAMPLES, createEvent } from '@beacon/events';
import {
  alertRows,
  countDeltas,
  type CountKey,
  erasureRows,
  identityRows,
} from './read-model.rows';

const key = (over: Partial<CountKey> = {}): CountKey => ({
  partition: 0,
  region: 'almaty',
  urgency: 'critical',
  custody: 'detained',
  closed: false,
  ...over,
});

describe(countDeltas.name, () => {
  it('adds a new case, moves a changed one and leaves an unchanged one out', () => {
    const sut = countDeltas([
      { before: null, after: key() },
      { before: key(), after: key({ urgency: 'high' }) },
      { before: key({ region: 'osh' }), after: key({ region: 'osh' }) },
    ]);

    expect(sut).toEqual([{ ...key({ urgency: 'high' }), cases: 1 }]);
  });

  it('nets moves out and back, and sorts keys so writers lock counter rows in one order', () => {
    const sut = countDeltas([
      { before: key({ partition: 2 }), after: key({ partition: 2, closed: true }) },
      { before: key({ partition: 1, custody: 'released' }), after: key({ partition: 1 }) },
      { before: null, after: key({ partition: 1, custody: 'released' }) },
    ]);

    expect(sut).toEqual([
      { ...key({ partition: 1 }), cases: 1 },
      { ...key({ partition: 2 }), cases: -1 },
      { ...key({ partition: 2, closed: true }), cases: 1 },
    ]);
  });
});

describe(alertRows.name, () => {
  const events = [
    ...syntheticCaseEvents({ cases: 40, seed: 4, start: new Date('2024-03-01T00:00:00Z') }),
  ];
  const now = new Date('2024-06-01T00:00:00Z');

  it('folds the alerting lifecycle into one row per alert and ignores case facts', () => {
    const sut = alertRows(events, now);
    const raised = events.filter((e) => e.type.startsWith('org.beacon.alert-raised'));

    expect(sut).toHaveLength(raised.length);
    expect(sut.every((a) => a.raised_at !== null && a.notifications_sent >= 1)).toBe(true);
    expect(sut.filter((a) => a.acknowledged_at !== null)).toHaveLength(raised.length);
  });

  it('gives the same rows whatever order the events arrive in', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        (shuffled) => {
          expect(alertRows(shuffled, now)).toEqual(alertRows(events, now));
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe(identityRows.name, () => {
  const event = <N extends 'person-identified' | 'detention-reported' | 'record-erased'>(name: N) =>
    createEvent(name, {
      id: '2f1d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b',
      caseId: '5f0c2a7e-8d41-4b6a-9c3e-1a2b3c4d5e6f',
      time: '2009-03-12T00:05:00Z',
      occurredAt: '2009-03-12T00:00:00Z',
      source: '/beacon/intake-api',
      data: EXAMPLES[name].data,
    });

  it('takes every sealed value an event carries, one row per field, with the person it belongs to', () => {
    const sut = identityRows([event('person-identified'), event('detention-reported')]);

    expect(sut.map((r) => [r.event_name, r.field])).toEqual([
      ['person-identified', 'name'],
      ['person-identified', 'dateOfBirth'],
      ['person-identified', 'registrationNumber'],
      ['person-identified', 'phone'],
      ['detention-reported', 'notes'],
    ]);
    expect(
      sut.every(
        (r) =>
          r.value.alg === 'A256GCM' &&
          r.person_ref === EXAMPLES['person-identified'].data.context.personRef,
      ),
    ).toBe(true);
    expect(sut[0]!.value).toEqual(EXAMPLES['person-identified'].data.name);
  });

  it('ignores events without sealed values, and turns an erasure into a marker for its person', () => {
    expect(identityRows([event('record-erased')])).toEqual([]);
    expect(erasureRows([event('detention-reported'), event('record-erased')])).toEqual([
      expect.objectContaining({
        field: 'erasure',
        person_ref: EXAMPLES['record-erased'].data.personRef,
        event_name: 'record-erased',
      }),
    ]);
  });
});
