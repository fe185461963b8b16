import fc from 'fast-check';
import { z } from 'zod';
import { newEventId } from './event-id';

describe(newEventId.name, () => {
  it('makes version-7 UUIDs that the event schema accepts', () => {
    const id = newEventId();
    expect(z.uuid().safeParse(id).success).toBe(true);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
  });

  it('makes ids that sort in the order they were made, also thousands in one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => newEventId(1_800_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps growing across any sequence of clock readings, even one that goes back', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1_700_000_000_000, max: 1_700_000_100_000 }), { minLength: 2, maxLength: 200 }), (clock) => {
        const ids = clock.map((ms) => newEventId(ms));
        return ids.every((id, i) => i === 0 || ids[i - 1]! < id);
      }),
    );
  });

  it('carries the millisecond it was made in', () => {
    const ms = 1_900_000_123_456;
    expect(Number.parseInt(newEventId(ms).replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
  });
});
