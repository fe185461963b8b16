import {
  CURRENT_VERSIONS,
  EXAMPLES,
  UPCASTERS,
  authorityFromFreeText,
  eventTypeOf,
  validateEvent,
} from './index';

function legacy(name: (typeof UPCASTERS)[number]['name'], version: number, data: unknown) {
  return { ...EXAMPLES[name], type: eventTypeOf(name, version), data };
}

describe('UPCASTERS', () => {
  it.each(UPCASTERS.map((u) => [eventTypeOf(u.name, u.fromVersion), u] as const))(
    '%s: its example reads as the current version',
    (_type, upcaster) => {
      expect(upcaster.schema.safeParse(upcaster.example).success).toBe(true);

      const result = validateEvent(legacy(upcaster.name, upcaster.fromVersion, upcaster.example));

      expect(result).toMatchObject({ ok: true, event: { type: eventTypeOf(upcaster.name) } });
    },
  );

  it('covers every version below the current one', () => {
    for (const upcaster of UPCASTERS) {
      expect(upcaster.fromVersion).toBeLessThan(CURRENT_VERSIONS[upcaster.name]);
      for (let v = 1; v < CURRENT_VERSIONS[upcaster.name]; v += 1) {
        expect(UPCASTERS.some((u) => u.name === upcaster.name && u.fromVersion === v)).toBe(true);
      }
    }
  });

  it('rejects an old payload against its own version, naming the path', () => {
    const [upcaster] = UPCASTERS;
    if (upcaster === undefined) throw new Error('no upcasters');

    const result = validateEvent(
      legacy(upcaster.name, upcaster.fromVersion, { ...(upcaster.example as object), extra: 1 }),
    );

    expect(result).toMatchObject({
      ok: false,
      reason: 'invalid',
      issues: [{ path: 'data.extra' }],
    });
  });
});

describe('detention-reported v1 → v2', () => {
  const v1 = {
    context: EXAMPLES['detention-reported'].data.context,
    place: { region: 'almaty', district: 'alatau' },
    authority: 'masked men',
    statedReason: 'identity-check',
    witnesses: 2,
  };

  it('maps the free authority text to a code and marks the unknown manner as other', () => {
    const result = validateEvent(legacy('detention-reported', 1, v1));

    expect(result).toEqual({
      ok: true,
      event: {
        ...EXAMPLES['detention-reported'],
        type: 'org.beacon.detention-reported.v2',
        data: { ...v1, authority: 'unidentified-armed-men', manner: 'other' },
      },
    });
  });

  it('fills the reason v1 did not require with unknown', () => {
    const { statedReason: _reason, ...withoutReason } = v1;

    const result = validateEvent(legacy('detention-reported', 1, withoutReason));

    expect(result).toMatchObject({ ok: true, event: { data: { statedReason: 'unknown' } } });
  });

  it('does not accept v2 fields under the v1 type', () => {
    const result = validateEvent(legacy('detention-reported', 1, { ...v1, manner: 'home-raid' }));

    expect(result).toMatchObject({
      ok: false,
      reason: 'invalid',
      issues: [{ path: 'data.manner' }],
    });
  });
});

describe(authorityFromFreeText.name, () => {
  it.each([
    ['Police', 'police'],
    ['  militia ', 'police'],
    ['Полиция', 'police'],
    ['KNB', 'security-service'],
    ['security_service', 'security-service'],
    ['ГКНБ', 'security-service'],
    ['migration police', 'migration-service'],
    ['Unidentified armed men', 'unidentified-armed-men'],
    ['люди в масках', 'unidentified-armed-men'],
    ['Вооружённые люди', 'unidentified-armed-men'],
    ['the neighbour', 'other'],
    ['', 'other'],
  ])('%p → %s', (text, code) => {
    expect(authorityFromFreeText(text)).toBe(code);
  });
});
