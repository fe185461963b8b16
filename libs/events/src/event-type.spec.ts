import { EVENT_NAMES, eventTypeOf, parseEventType } from './index';

describe(parseEventType.name, () => {
  it.each(EVENT_NAMES)('reads back the current type of %s', (name) => {
    const parsed = parseEventType(eventTypeOf(name));

    expect(parsed?.name).toBe(name);
  });

  it('reads the version number', () => {
    expect(parseEventType('org.beacon.detention-reported.v1')).toEqual({
      name: 'detention-reported',
      version: 1,
    });
    expect(parseEventType('org.beacon.detention-reported.v12')).toEqual({
      name: 'detention-reported',
      version: 12,
    });
  });

  it.each([
    'org.beacon.unknown-thing.v1',
    'org.beacon.released',
    'org.beacon.released.v',
    'org.beacon.released.v01',
    'org.beacon.released.v1.extra',
    'com.example.released.v1',
    'org.beacon.Released.v1',
    '',
  ])('returns null for %p', (type) => {
    expect(parseEventType(type)).toBeNull();
  });
});

describe(eventTypeOf.name, () => {
  it('names the current version, v2 for detention-reported', () => {
    expect(eventTypeOf('detention-reported')).toBe('org.beacon.detention-reported.v2');
    expect(eventTypeOf('released')).toBe('org.beacon.released.v1');
  });
});
