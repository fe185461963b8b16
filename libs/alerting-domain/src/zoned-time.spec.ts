import fc from 'fast-check';
import { instantOf, parseDateTimeIn, utcOffsetMinutes, wallClockIn } from './zoned-time';

describe('zoned time', () => {
  it('reads the wall clock and offset of a zone from Intl', () => {
    expect(wallClockIn('Asia/Almaty', new Date('2025-01-13T04:00:00Z'))).toEqual({
      year: 2025,
      month: 1,
      day: 13,
      hour: 9,
      minute: 0,
      second: 0,
    });
    expect(utcOffsetMinutes('Asia/Almaty', new Date('2025-01-13T04:00:00Z'))).toBe(300);
    expect(utcOffsetMinutes('Asia/Almaty', new Date('2024-02-01T00:00:00Z'))).toBe(360);
    expect(utcOffsetMinutes('America/St_Johns', new Date('2025-01-13T04:00:00Z'))).toBe(-210);
  });

  it('maps wall-clock time to the instant, through summer-time gaps and repeats', () => {
    const berlin = (day: number, hour: number, minute: number) =>
      instantOf(
        { year: 2025, month: day < 15 ? 10 : 3, day, hour, minute, second: 0 },
        'Europe/Berlin',
      ).toISOString();

    expect(berlin(31, 9, 0)).toBe('2025-03-31T07:00:00.000Z');
    // 02:30 on 30 March does not exist in Berlin: 30 minutes into the gap is 03:30 CEST.
    expect(berlin(30, 2, 30)).toBe('2025-03-30T01:30:00.000Z');
    // 02:30 on 26 October happens twice: the first one.
    expect(
      instantOf(
        { year: 2025, month: 10, day: 26, hour: 2, minute: 30, second: 0 },
        'Europe/Berlin',
      ).toISOString(),
    ).toBe('2025-10-26T00:30:00.000Z');
  });

  it('parses date-times with an offset as instants and without one in the zone', () => {
    expect(parseDateTimeIn('2025-06-09T09:00', 'Asia/Almaty')?.toISOString()).toBe(
      '2025-06-09T04:00:00.000Z',
    );
    expect(parseDateTimeIn('2025-06-09T09:00:30+03:00', 'Asia/Almaty')?.toISOString()).toBe(
      '2025-06-09T06:00:30.000Z',
    );
    expect(parseDateTimeIn('2025-06-09T09:00Z', 'Asia/Almaty')?.toISOString()).toBe(
      '2025-06-09T09:00:00.000Z',
    );
    expect(parseDateTimeIn('2025-02-30T09:00', 'Asia/Almaty')).toBeNull();
    expect(parseDateTimeIn('2025-06-09 09:00', 'Asia/Almaty')).toBeNull();
    expect(parseDateTimeIn('2025-06-09T24:00', 'Asia/Almaty')).toBeNull();
  });
});

describe(instantOf.name, () => {
  it('inverts wallClockIn for any instant, choosing the first of a repeated hour', () => {
    const zones = fc.constantFrom(
      'Asia/Almaty',
      'Europe/Berlin',
      'America/New_York',
      'Australia/Lord_Howe',
      'UTC',
    );
    const instants = fc
      .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) })
      .map((ms) => new Date(Math.floor(ms / 1000) * 1000));
    fc.assert(
      fc.property(zones, instants, (zone, at) => {
        const clock = wallClockIn(zone, at);
        const back = instantOf(clock, zone);
        expect(wallClockIn(zone, back)).toEqual(clock);
        expect(back.getTime()).toBeLessThanOrEqual(at.getTime());
        expect(at.getTime() - back.getTime()).toBeLessThanOrEqual(60 * 60_000);
      }),
    );
  });
});
