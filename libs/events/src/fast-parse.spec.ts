import fc from 'fast-check';
import { z } from 'zod';
import { envelopeSchema } from './case-event';
import { EVENT_NAMES, type EventName } from './event-names';
import { EXAMPLES } from './examples';
import { fastParse } from './fast-parse';
import { payloadSchemas } from './payload-schemas';
import { UPCASTERS } from './upcasters';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Every place in a JSON value, as a path of keys and indexes. */
function paths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  const here = [at];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (value !== null && typeof value === 'object')
    return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return here;
}

type Mutation =
  { kind: 'replace'; with: Json } | { kind: 'delete' } | { kind: 'add'; key: string; value: Json };

function mutate(value: Json, path: (string | number)[], mutation: Mutation): Json {
  const copy = clone(value);
  if (path.length === 0) {
    if (mutation.kind === 'replace') return mutation.with;
    if (
      mutation.kind === 'add' &&
      copy !== null &&
      typeof copy === 'object' &&
      !Array.isArray(copy)
    )
      copy[mutation.key] = mutation.value;
    return copy;
  }
  let parent = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (mutation.kind === 'replace') parent[last] = mutation.with;
  else if (mutation.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target))
      target[mutation.key] = mutation.value;
  }
  return copy;
}

/** What the fast path must never do: accept what zod rejects, or give other output than zod. */
function expectAgreement(schema: z.ZodType, value: unknown): void {
  const fast = fastParse(schema, value);
  if (fast === null) return;
  const slow = schema.safeParse(value);
  expect(slow.success).toBe(true);
  // The same values and the same key order, as zod builds its output.
  expect(JSON.stringify(fast.data)).toBe(JSON.stringify(slow.data));
  expect(fast.data).toEqual(slow.data);
}

const anyJson = fc.jsonValue() as fc.Arbitrary<Json>;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), with: anyJson }),
  fc.record({
    kind: fc.constant('replace' as const),
    with: fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(
        '',
        'almaty',
        'A256GCM',
        '2009-03-11T18:00:00Z',
        '2009-03-11T18:00:00',
        '6d2f8a1c-3b5e-4c7d-9e0f-1a2b3c4d5e6f',
      ),
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const) }),
  fc.record({
    kind: fc.constant('add' as const),
    key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'notes', 'context')),
    value: anyJson,
  }),
);

describe(fastParse.name, () => {
  it.each(EVENT_NAMES.map((name) => [name]))(
    'accepts the %s example as zod does, with its output',
    (name: EventName) => {
      const data = clone(EXAMPLES[name].data) as unknown;

      const sut = fastParse(payloadSchemas[name], data);

      expect(sut).not.toBeNull();
      expectAgreement(payloadSchemas[name], data);
    },
  );

  it('accepts envelopes as zod does, with its output', () => {
    for (const name of EVENT_NAMES) {
      const event = clone(EXAMPLES[name]) as unknown;

      expect(fastParse(envelopeSchema, event)).not.toBeNull();
      expectAgreement(envelopeSchema, event);
    }
  });

  it('never accepts a changed payload that zod rejects, nor answers otherwise than zod', () => {
    const cases = EVENT_NAMES.flatMap((name) => {
      const data = clone(EXAMPLES[name].data) as Json;
      return paths(data).map((path) => ({ name, data, path }));
    });
    fc.assert(
      fc.property(fc.constantFrom(...cases), mutation, ({ name, data, path }, change) => {
        expectAgreement(payloadSchemas[name], mutate(data, path, change));
      }),
      { numRuns: 3_000 },
    );
  });

  it('never accepts a changed envelope that zod rejects', () => {
    const event = clone(EXAMPLES['detention-reported']) as unknown as Json;
    const cases = paths(event).filter((path) => path[0] !== 'data');
    fc.assert(
      fc.property(fc.constantFrom(...cases), mutation, (path, change) => {
        expectAgreement(envelopeSchema, mutate(event, path, change));
      }),
      { numRuns: 1_000 },
    );
  });

  it('agrees with zod on the older versions that upcasters read', () => {
    for (const upcaster of UPCASTERS) {
      const data = clone(upcaster.example) as Json;
      expectAgreement(upcaster.schema, data);
      for (const path of paths(data)) {
        expectAgreement(upcaster.schema, mutate(data, path, { kind: 'delete' }));
        expectAgreement(upcaster.schema, mutate(data, path, { kind: 'replace', with: 'x' }));
      }
    }
  });

  it('runs refinements: an escalation must go up a tier, conditions must not repeat', () => {
    const schema = payloadSchemas['alert-escalated'];
    const up = { alertId: '6d2f8a1c-3b5e-4c7d-9e0f-1a2b3c4d5e6f', fromTier: 0, toTier: 1 };

    expect(fastParse(schema, up)).toEqual({ data: up });
    expect(fastParse(schema, { ...up, toTier: 0 })).toBeNull();
    expect(
      fastParse(payloadSchemas['released'], {
        ...EXAMPLES['released'].data,
        conditions: ['unconditional', 'unconditional'],
      }),
    ).toBeNull();
  });

  it('defers to zod on what it does not compile', () => {
    expect(
      fastParse(
        z.string().transform((s) => s.length),
        'abc',
      ),
    ).toBeNull();
    expect(fastParse(z.object({ a: z.string() }), { a: 'x' })).toBeNull();
    expect(fastParse(z.strictObject({ a: z.string().default('x') }), {})).toBeNull();
    expect(fastParse(z.coerce.number(), '1')).toBeNull();
  });

  it('leaves an absent optional key absent and keeps the shape’s order', () => {
    const schema = z.strictObject({
      a: z.string(),
      b: z.number().optional(),
      c: z.boolean().nullable(),
    });

    expect(fastParse(schema, { c: null, a: 'x' })).toEqual({ data: { a: 'x', c: null } });
    expect(JSON.stringify(fastParse(schema, { c: true, b: 2, a: 'x' })?.data)).toBe(
      '{"a":"x","b":2,"c":true}',
    );
    expect(fastParse(schema, { a: 'x', b: undefined, c: null })).toBeNull();
  });
});
