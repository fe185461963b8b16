import { eventNameOf, validateEvent } from '@beacon/events';
import { foldCase, syntheticCaseEvents } from './index';

describe(syntheticCaseEvents.name, () => {
  const start = new Date('2024-01-01T00:00:00Z');

  it('yields valid events for the number of cases asked, the same for the same seed', () => {
    const sut = [...syntheticCaseEvents({ cases: 200, start, seed: 7 })];
    const again = [...syntheticCaseEvents({ cases: 200, start, seed: 7 })];

    expect(again).toEqual(sut);
    expect(new Set(sut.map((e) => e.subject)).size).toBe(200);
    expect(new Set(sut.map((e) => e.id)).size).toBe(sut.length);
    expect(sut.every((e) => validateEvent(e).ok)).toBe(true);
  });

  it('mixes reported facts with the alerting lifecycle and links cases by incident', () => {
    const sut = [...syntheticCaseEvents({ cases: 300, start, seed: 3 })];
    const names = new Set(sut.map(eventNameOf));
    const incidents = new Map<string, Set<string>>();
    for (const e of sut) incidents.set(e.incidentid!, (incidents.get(e.incidentid!) ?? new Set()).add(e.subject));

    for (const name of ['detention-reported', 'access-status-updated', 'released', 'case-closed', 'alert-raised', 'alert-acknowledged', 'record-corrected']) {
      expect(names).toContain(name);
    }
    expect(sut.length / 300).toBeGreaterThan(7);
    expect([...incidents.values()].some((cases) => cases.size > 1)).toBe(true);
    const states = [...new Set(sut.map((e) => e.subject))].map((id) => foldCase(id, sut.filter((e) => e.subject === id)));
    expect(states.filter((s) => s.custody === 'detained').length).toBeGreaterThan(0);
    expect(states.filter((s) => s.custody === 'released').length).toBeGreaterThan(0);
  });

  it('stops at the number of events asked', () => {
    expect([...syntheticCaseEvents({ cases: 1_000, maxEvents: 500, start })]).toHaveLength(500);
  });

  it('spreads exactly the number of events asked over every case', () => {
    const sut = [...syntheticCaseEvents({ cases: 400, events: 4_000, start, seed: 9 })];

    expect(sut).toHaveLength(4_000);
    expect(new Set(sut.map((e) => e.subject)).size).toBe(400);
  });
});
