import { EVENT_NAMES, UPCASTERS, eventJsonSchemas, eventTypeOf } from './index';

describe(eventJsonSchemas.name, () => {
  const sut = eventJsonSchemas();

  it('describes every current type and every older one still on the topic', () => {
    const expected = [
      ...EVENT_NAMES.map((name) => eventTypeOf(name)),
      ...UPCASTERS.map((u) => eventTypeOf(u.name, u.fromVersion)),
    ];

    expect(Object.keys(sut).sort()).toEqual(expected.sort());
  });

  it('closes every payload to unknown fields, as validation does', () => {
    for (const schema of Object.values(sut)) {
      expect(schema).toMatchObject({ type: 'object', additionalProperties: false });
    }
  });

  it('marks older versions deprecated', () => {
    expect(sut['org.beacon.detention-reported.v1']).toMatchObject({ deprecated: true });
    expect(sut['org.beacon.detention-reported.v2']).not.toHaveProperty('deprecated');
  });

  it('documents the sealed form of personal data', () => {
    const schema = sut['org.beacon.person-identified.v1'] as {
      properties: Record<string, unknown>;
    };

    expect(schema.properties.name).toMatchObject({
      type: 'object',
      properties: { alg: { const: 'A256GCM' } },
    });
  });
});
