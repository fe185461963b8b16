import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  EVENT_NAMES,
  EXAMPLES,
  UPCASTERS,
  asyncApiDocument,
  decodeFromKafka,
  eventJsonSchemas,
  eventTypeOf,
  toYaml,
} from './index';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

/**
 * The subset of JSON Schema the catalogue produces, checked independently of zod: a document
 * whose schemas accepted what validation rejects (or the reverse) would fail here.
 */
function violations(schema: Schema, value: Json, at = ''): string[] {
  const out: string[] = [];
  const kind = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  const type = schema.type;
  if (typeof type === 'string') {
    const ok = type === 'integer' ? Number.isInteger(value) : type === kind;
    if (!ok) return [`${at}: expected ${type}`];
  }
  if ('const' in schema && value !== schema.const)
    out.push(`${at}: expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) out.push(`${at}: not in enum`);
  if (
    Array.isArray(schema.anyOf) &&
    !schema.anyOf.some((s) => violations(s as Schema, value, at).length === 0)
  ) {
    out.push(`${at}: matches no alternative`);
  }
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value))
      out.push(`${at}: pattern`);
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      out.push(`${at}: too short`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
      out.push(`${at}: too long`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      out.push(`${at}: below minimum`);
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      out.push(`${at}: above maximum`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      out.push(`${at}: too few items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      out.push(`${at}: too many items`);
    const items = schema.items;
    if (items && typeof items === 'object' && !Array.isArray(items)) {
      value.forEach((item, i) => out.push(...violations(items, item, `${at}/${i}`)));
    }
  }
  if (kind === 'object' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of Array.isArray(schema.required) ? schema.required : []) {
      if (typeof key === 'string' && !(key in value)) out.push(`${at}/${key}: required`);
    }
    for (const [key, item] of Object.entries(value)) {
      const property = properties[key];
      if (property) out.push(...violations(property, item, `${at}/${key}`));
      else if (schema.additionalProperties === false) out.push(`${at}/${key}: unknown`);
    }
  }
  return out;
}

function resolve(document: unknown, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>(
      (node, segment) => (node as Record<string, unknown> | undefined)?.[segment],
      document,
    );
}

interface Message {
  name: string;
  headers: Schema;
  payload: { $ref: string };
  examples: { headers: Record<string, string>; payload: Json }[];
}

describe(asyncApiDocument.name, () => {
  const sut = asyncApiDocument();
  const components = sut.components as {
    messages: Record<string, Message>;
    schemas: Record<string, Schema>;
  };
  const messages = Object.values(components.messages);

  it('is the committed docs/asyncapi.yaml (regenerate with libs/events/scripts/generate-asyncapi.mjs)', () => {
    const committed = readFileSync(path.resolve(__dirname, '../../../docs/asyncapi.yaml'), 'utf8');

    expect(committed).toBe(toYaml(sut));
  });

  it('is an AsyncAPI 3.0 document for the case topic', () => {
    expect(sut).toMatchObject({
      asyncapi: '3.0.0',
      channels: { caseEvents: { address: 'beacon.case-events.v1' } },
      operations: {
        publishCaseEvent: { action: 'send', channel: { $ref: '#/channels/caseEvents' } },
        consumeCaseEvent: { action: 'receive', channel: { $ref: '#/channels/caseEvents' } },
      },
    });
  });

  it('has one message per current type and per older version still on the topic', () => {
    const expected = [
      ...EVENT_NAMES.map((name) => eventTypeOf(name)),
      ...UPCASTERS.map((u) => eventTypeOf(u.name, u.fromVersion)),
    ];

    expect(messages.map((m) => m.name).sort()).toEqual(expected.sort());
  });

  it('resolves every $ref', () => {
    const refs: string[] = [];
    JSON.stringify(sut, (key, value: unknown) => {
      if (key === '$ref' && typeof value === 'string') refs.push(value);
      return value;
    });

    expect(refs.length).toBeGreaterThan(messages.length * 3);
    for (const ref of refs) expect([ref, resolve(sut, ref)]).toEqual([ref, expect.anything()]);
  });

  it('carries exactly the catalogue’s payload schemas', () => {
    const catalogue = eventJsonSchemas('draft-7');

    for (const message of messages) {
      const { $schema: _dialect, ...expected } = catalogue[
        message.name as keyof typeof catalogue
      ] as Schema;
      expect([message.name, resolve(sut, message.payload.$ref)]).toEqual([message.name, expected]);
    }
  });

  it('gives each message an example that decodes from Kafka and satisfies its own schemas', () => {
    for (const message of messages) {
      const [example] = message.examples;
      if (!example) throw new Error(`${message.name} has no example`);
      const payloadSchema = resolve(sut, message.payload.$ref) as Schema;

      expect([message.name, violations(payloadSchema, example.payload)]).toEqual([
        message.name,
        [],
      ]);
      expect([message.name, violations(message.headers, example.headers)]).toEqual([
        message.name,
        [],
      ]);
      const decoded = decodeFromKafka({
        key: example.headers.ce_subject ?? null,
        value: JSON.stringify(example.payload),
        headers: example.headers,
      });
      expect([message.name, decoded.ok]).toEqual([message.name, true]);
    }
  });

  it('rejects in its schemas what validation rejects: unknown fields, bad codes, missing fields', () => {
    const schema = components.schemas['org.beacon.detention-reported.v2'];
    if (!schema) throw new Error('no detention-reported.v2 schema');
    const data = EXAMPLES['detention-reported'].data as unknown as Record<string, Json>;

    expect(violations(schema, { ...data, fullName: 'Rustam K.' })).toEqual(['/fullName: unknown']);
    expect(violations(schema, { ...data, authority: 'masked men' })).toEqual([
      '/authority: not in enum',
    ]);
    const { manner: _manner, ...withoutManner } = data;
    expect(violations(schema, withoutManner)).toEqual(['/manner: required']);
  });

  it('describes the headers with a const ce_type per message', () => {
    const message = components.messages.detentionReportedV1;

    expect(message?.headers).toMatchObject({
      properties: {
        ce_type: { const: 'org.beacon.detention-reported.v1' },
        ce_subject: { format: 'uuid' },
      },
      required: expect.arrayContaining([
        'ce_id',
        'ce_type',
        'ce_subject',
        'ce_time',
        'ce_occurredat',
      ]),
    });
    expect(
      violations(message!.headers, {
        ...message!.examples[0]!.headers,
        ce_type: 'org.beacon.released.v1',
      }),
    ).toHaveLength(1);
  });
});

describe(toYaml.name, () => {
  it('writes block YAML with every string quoted', () => {
    expect(
      toYaml({
        a: 'x',
        list: [1, { b: true, c: null }],
        empty: [],
        nested: { on: 'yes', $ref: '#/x' },
      }),
    ).toBe(
      [
        'a: "x"',
        'list:',
        '  - 1',
        '  - b: true',
        '    c: null',
        'empty: []',
        'nested:',
        '  "on": "yes"',
        '  $ref: "#/x"',
        '',
      ].join('\n'),
    );
  });

  it('escapes what would break a line', () => {
    expect(toYaml({ 'a b': 'line 1\nline "2"' })).toBe('"a b": "line 1\\nline \\"2\\""\n');
  });
});
