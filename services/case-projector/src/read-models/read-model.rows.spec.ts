import { syntheticCaseEvents } from '@beacon/case-domain';
import fc from 'fast-check';
import { alertRows, countDeltas, type CountKey } from './read-model.rows';

const key = (over: Partial<CountKey> = {}): CountKey => ({ partition: 0, region: 'almaty', urgency: 'critical', custody: 'detained', closed: false, ...over });

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
  const events = [...syntheticCaseEvents({ cases: 40, seed: 4, start: new Date('2024-03-01T00:00:00Z') })];
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
      fc.property(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), (shuffled) => {
        expect(alertRows(shuffled, now)).toEqual(alertRows(events, now));
      }),
      { numRuns: 50 },
    );
  });
});
