import { EVENT_NAMES, EXAMPLES, eventTypeOf, validateEvent } from './index';

describe('EXAMPLES', () => {
  it('has one example for every event name', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...EVENT_NAMES].sort());
  });

  it.each(EVENT_NAMES)('%s validates at the current version, unchanged', (name) => {
    const sut = EXAMPLES[name];

    const result = validateEvent(sut);

    expect(result).toEqual({ ok: true, event: sut });
    expect(sut.type).toBe(eventTypeOf(name));
  });

  it('keeps personal data out of plaintext: every name, birth date, number and phone is sealed', () => {
    const { data } = EXAMPLES['person-identified'];

    for (const field of [data.name, data.dateOfBirth, data.registrationNumber, data.phone]) {
      expect(field).toMatchObject({ alg: 'A256GCM' });
    }
  });
});
