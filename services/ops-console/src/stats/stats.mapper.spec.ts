import { statsOf } from './stats.mapper';

describe(statsOf.name, () => {
  it('totals cases and counts open ones by urgency and custody, overall and per region', () => {
    const now = new Date('2024-05-01T00:00:00Z');
    const sut = statsOf(
      [
        { region: 'almaty', urgency: 'critical', custody: 'detained', closed: false, cases: 5 },
        { region: 'almaty', urgency: 'routine', custody: 'released', closed: true, cases: 2 },
        { region: 'osh', urgency: 'high', custody: 'detained', closed: false, cases: 1 },
        { region: null, urgency: 'routine', custody: 'at-liberty', closed: false, cases: 3 },
      ],
      now,
    );

    expect(sut).toMatchObject({
      generatedAt: now.toISOString(),
      totalCases: 11,
      openCases: 9,
      closedCases: 2,
      byUrgency: { critical: 5, high: 1, routine: 3 },
      byCustody: { 'at-liberty': 3, detained: 6, released: 0, removed: 0 },
    });
    expect(sut.byRegion.find((r) => r.region === 'almaty')).toEqual({
      region: 'almaty',
      openCases: 5,
      closedCases: 2,
      byUrgency: { critical: 5, high: 0, routine: 0 },
      byCustody: { 'at-liberty': 0, detained: 5, released: 0, removed: 0 },
    });
    expect(sut.byRegion.map((r) => r.region)).toEqual(['almaty', 'osh', null]);
  });
});
