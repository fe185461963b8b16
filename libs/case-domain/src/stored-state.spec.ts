import fc from 'fast-check';
import { epochMs } from './stored-state';

describe(epochMs.name, () => {
  const same = (iso: string) => expect([iso, epochMs(iso)]).toEqual([iso, Date.parse(iso)]);

  it('reads every instant as Date.parse does', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }),
        (date) => same(date.toISOString()),
      ),
      { numRuns: 5_000 },
    );
  });

  it('reads anything shaped like an instant as Date.parse does, invalid ones too', () => {
    const two = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        two,
        two,
        two,
        two,
        two,
        fc.integer({ min: 0, max: 999 }).map((n) => String(n).padStart(3, '0')),
        (y, mo, d, h, mi, s, ms) => same(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`),
      ),
      { numRuns: 5_000 },
    );
    for (const iso of [
      '2024-02-29T00:00:00.000Z',
      '2023-02-29T00:00:00.000Z',
      '1900-02-29T00:00:00.000Z',
      '2000-02-29T23:59:59.999Z',
      '0099-12-31T00:00:00.000Z',
      '2024-04-31T00:00:00.000Z',
      '2024-01-01T24:00:00.000Z',
      '2024-01-01T00:00:60.000Z',
      '2024-01-01T00:00:00.000+01:00',
      '2024-01-01T00:00:00Z',
      '2024-0a-01T00:00:00.000Z',
      '+012024-01-01T00:00:00.000Z',
    ]) {
      same(iso);
    }
  });
});
