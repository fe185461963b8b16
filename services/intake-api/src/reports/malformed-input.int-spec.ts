import { CODES } from '@beacon/events';
import { createTestDatabase, freePort, type TestDatabase } from '@beacon/testing';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { type AddressInfo } from 'node:net';
import { Client } from 'pg';
import { createIntakeApp } from '../app.bootstrap';
import { loadIntakeConfig } from '../intake.config';
import { reportInputSchema } from './report.dto';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** A valid report touching most field kinds; every generated input is a broken copy of it or worse. */
const PERSONS: Json[] = [
  {
    name: 'Rustam Karimov',
    registrationNumber: '123-09C00481',
    dateOfBirth: '1991-03-14',
    phone: '+77010000481',
    unhcrStatus: 'refugee',
    countryOfOrigin: 'UZ',
    sex: 'male',
    ageBand: '18-59',
    dependantsAffected: 3,
    notes: 'Diabetic',
  },
  { unhcrStatus: 'asylum-seeker', sex: 'male', ageBand: '18-59' },
];
const FACTS: Json[] = [
  {
    type: 'detention-reported',
    place: { region: 'almaty', district: 'bostandyk' },
    authority: 'unidentified-armed-men',
    manner: 'home-raid',
    statedReason: 'none-given',
    witnesses: 4,
    notes: 'Men in masks',
  },
  {
    type: 'access-status-updated',
    family: 'denied',
    lawyer: 'denied',
    unhcr: 'denied',
    ngo: 'unknown',
    lastConfirmedContactAt: '2009-03-11T17:30:00Z',
  },
  {
    type: 'ill-treatment-reported',
    appliesTo: [1],
    kinds: ['beating', 'threats'],
    visibleInjuries: 'yes',
    medicalAttention: 'denied',
  },
  {
    type: 'removal-threat-reported',
    kind: 'deportation',
    destinationCountry: 'UZ',
    stage: 'order-issued',
    asylumClaimPending: true,
    occurredAt: '2009-03-12T03:00:00+06:00',
  },
  {
    type: 'transferred',
    from: { region: 'almaty' },
    to: { region: 'almaty', district: 'medeu' },
    towardsBorderOrAirport: false,
    newLocationKnown: true,
  },
];
const BASE = {
  occurredAt: '2009-03-12T00:00:00+06:00',
  timeBand: 'night',
  region: 'almaty',
  source: { role: 'family', reliability: 'credible', channel: 'call', language: 'ru' },
  recordedBy: 'operator-17',
  incidentId: '9a1d3e5f-7b2c-4d8e-a6f0-2c4e6a8b0d1f',
  persons: PERSONS,
  facts: FACTS,
};

const ENUMS: Record<string, readonly string[]> = {
  timeBand: CODES.timeBand,
  role: CODES.sourceRole,
  reliability: CODES.reliability,
  channel: CODES.intakeChannel,
  language: CODES.language,
  unhcrStatus: CODES.unhcrStatus,
  sex: CODES.sex,
  ageBand: CODES.ageBand,
  authority: CODES.detentionAuthority,
  manner: CODES.detentionManner,
  statedReason: CODES.statedReason,
  family: CODES.accessLevel,
  lawyer: CODES.accessLevel,
  unhcr: CODES.accessLevel,
  ngo: CODES.accessLevel,
  visibleInjuries: CODES.visibleInjuries,
  medicalAttention: CODES.medicalAttention,
  kind: CODES.removalKind,
  stage: CODES.removalStage,
};

const clone = <T>(value: T): T => structuredClone(value);
const pointer = (path: Path) => path.map((p) => `/${p}`).join('');

function leaves(value: Json, path: Path = []): { path: Path; value: Json }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [{ path, value }];
}

function objects(value: Json, path: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => objects(v, [...path, i]));
  if (value !== null && typeof value === 'object')
    return [path, ...Object.entries(value).flatMap(([k, v]) => objects(v, [...path, k]))];
  return [];
}

function parentOf(root: Json, path: Path): Record<string, Json> | Json[] {
  let node: Json = root;
  for (const segment of path.slice(0, -1))
    node = (node as Record<string, Json>)[segment as string] as Json;
  return node as Record<string, Json> | Json[];
}

function set(root: Json, path: Path, value: Json | undefined): Json {
  const copy = clone(root);
  const parent = parentOf(copy, path) as Record<string | number, Json>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}

const LEAVES = leaves(BASE);
/** Keys whose absence alone makes the report invalid. */
const REQUIRED = LEAVES.map((l) => l.path)
  .concat(objects(BASE).filter((p) => p.length > 0))
  .filter(
    (path) =>
      typeof path[path.length - 1] === 'string' &&
      !reportInputSchema.safeParse(set(BASE, path, undefined)).success,
  );

interface Case {
  body: string;
  /** Where the problem is; the answer must name it. */
  expect?: string;
  contentType?: string;
  idempotencyKey?: string;
  url?: '/v1/reports' | '/v1/reports/batch';
}

const json = (value: Json, expect?: string): Case => ({
  body: JSON.stringify(value),
  ...(expect === undefined ? {} : { expect }),
});

const otherType = (value: Json): fc.Arbitrary<Json> => {
  const all: fc.Arbitrary<Json>[] = [
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
    fc.string({ maxLength: 20 }),
  ];
  const kind = value === null ? 'null' : typeof value;
  return fc
    .oneof(...all)
    .filter((v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v) !== kind);
};

const wrongType = fc
  .constantFrom(...LEAVES)
  .chain(({ path, value }) => otherType(value).map((v) => json(set(BASE, path, v), pointer(path))));

const notInEnum = fc
  .constantFrom(
    ...LEAVES.filter(
      ({ path }) =>
        typeof path[path.length - 1] === 'string' && ENUMS[path[path.length - 1] as string],
    ),
  )
  .chain(({ path }) =>
    fc
      .string({ maxLength: 30 })
      .filter((s) => !(ENUMS[path[path.length - 1] as string] ?? []).includes(s))
      .map((s) => json(set(BASE, path, s), pointer(path))),
  );

const missing = fc
  .constantFrom(...REQUIRED)
  .map((path) => json(set(BASE, path, undefined), pointer(path)));

/** Optional fields the request accepts but the base body leaves out: adding one is not an error. */
const KNOWN_FIELDS = new Set(
  [
    ...JSON.stringify([BASE, PERSONS, FACTS]).matchAll(/"([A-Za-z_][\w-]*)":/g),
  ]
    .map((m) => m[1]!)
    .concat(['appliesTo', 'occurredAt', 'notes', 'incidentId', 'timeBand', 'name', 'dateOfBirth', 'registrationNumber', 'phone', 'countryOfOrigin', 'dependantsAffected', 'district', 'from', 'to', 'place', 'interventionType', 'destinationIsOriginCountry']),
);

const unknownField = fc
  .tuple(
    fc.constantFrom(...objects(BASE)),
    fc.string({ minLength: 1, maxLength: 12 }).filter((k) => /^[A-Za-z_][\w-]*$/.test(k)),
    // A "__proto__" key anywhere makes the body refused whole as malformed JSON (prototype
    // poisoning), without a field to name: that has its own boundary case.
    fc.jsonValue().filter((v) => !JSON.stringify(v).includes('"__proto__"')),
  )
  .filter(([path, name]) => {
    const target =
      path.length === 0 ? BASE : (parentOf(BASE, [...path, 'x']) as Record<string, Json>);
    return !(name in (target as object)) && !KNOWN_FIELDS.has(name) && !['__proto__', 'constructor'].includes(name);
  })
  .map(([path, name, value]) =>
    json(set(BASE, [...path, name], value as Json), pointer([...path, name])),
  );

const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString();
const BOUNDARIES: Case[] = [
  json({ ...BASE, persons: [] }, '/persons'),
  json({ ...BASE, persons: Array.from({ length: 51 }, () => PERSONS[1]!) }, '/persons'),
  json({ ...BASE, facts: [] }, '/facts'),
  json({ ...BASE, facts: Array.from({ length: 21 }, () => FACTS[1]!) }, '/facts'),
  json(set(BASE, ['facts', 0, 'witnesses'], 10_001), '/facts/0/witnesses'),
  json(set(BASE, ['facts', 0, 'witnesses'], -1), '/facts/0/witnesses'),
  json(set(BASE, ['facts', 0, 'witnesses'], 1.5), '/facts/0/witnesses'),
  json(set(BASE, ['persons', 0, 'dependantsAffected'], 51), '/persons/0/dependantsAffected'),
  json(set(BASE, ['persons', 0, 'name'], 'x'.repeat(201)), '/persons/0/name'),
  json(set(BASE, ['persons', 0, 'name'], '   '), '/persons/0/name'),
  json(set(BASE, ['persons', 0, 'notes'], 'я'.repeat(1001)), '/persons/0/notes'),
  json(set(BASE, ['facts', 0, 'notes'], '😀'.repeat(800)), '/facts/0/notes'),
  json(set(BASE, ['persons', 0, 'registrationNumber'], '-- --'), '/persons/0/registrationNumber'),
  json(
    set(BASE, ['persons', 0, 'registrationNumber'], 'x'.repeat(65)),
    '/persons/0/registrationNumber',
  ),
  json(set(BASE, ['persons', 0, 'dateOfBirth'], '1991-02-30'), '/persons/0/dateOfBirth'),
  json(set(BASE, ['persons', 0, 'countryOfOrigin'], 'uz'), '/persons/0/countryOfOrigin'),
  json(set(BASE, ['persons', 0, 'phone'], 'call me'), '/persons/0/phone'),
  json(set(BASE, ['occurredAt'], tomorrow()), '/occurredAt'),
  json(set(BASE, ['occurredAt'], '2009-03-12T00:00:00'), '/occurredAt'),
  json(set(BASE, ['occurredAt'], '2009-02-30T00:00:00Z'), '/occurredAt'),
  json(set(BASE, ['facts', 3, 'occurredAt'], tomorrow()), '/facts/3/occurredAt'),
  json(
    set(BASE, ['facts', 1, 'lastConfirmedContactAt'], '2009-03-11T17:30:00+06:00'),
    '/facts/1/lastConfirmedContactAt',
  ),
  json(set(BASE, ['facts', 2, 'appliesTo'], [2]), '/facts/2/appliesTo/0'),
  json(set(BASE, ['facts', 2, 'appliesTo'], []), '/facts/2/appliesTo'),
  json(set(BASE, ['facts', 2, 'kinds'], []), '/facts/2/kinds'),
  json(set(BASE, ['facts', 2, 'kinds'], ['beating', 'beating']), '/facts/2/kinds'),
  json(set(BASE, ['incidentId'], '9a1d3e5f-7b2c-4d8e-a6f0'), '/incidentId'),
  json(set(BASE, ['region'], 'Almaty'), '/region'),
  json(set(BASE, ['region'], 'a'.repeat(49)), '/region'),
  json(set(BASE, ['recordedBy'], '17-operator'), '/recordedBy'),
  json(set(BASE, ['facts', 0, 'type'], 'person-identified'), '/facts/0/type'),
  json(
    set(BASE, ['facts', 0, 'place', 'district'], 'Bostandyk District'),
    '/facts/0/place/district',
  ),
  json({ ...BASE, persons: [PERSONS[0]!, PERSONS[0]!] }, '/persons/1/registrationNumber'),
  { ...json(BASE), contentType: 'text/plain', expect: 'Content-Type' },
  { ...json(BASE), contentType: 'application/x-www-form-urlencoded' },
  { ...json(BASE), contentType: 'application/xml' },
  { ...json(BASE), idempotencyKey: 'short', expect: 'Idempotency-Key' },
  { ...json(BASE), idempotencyKey: 'x'.repeat(129), expect: 'Idempotency-Key' },
  { ...json(BASE), idempotencyKey: 'spaces are not allowed', expect: 'Idempotency-Key' },
  { body: JSON.stringify({ ...BASE, padding: 'x'.repeat(300 * 1024) }) },
  { body: JSON.stringify({ reports: [] }), url: '/v1/reports/batch', expect: '/reports' },
  {
    body: JSON.stringify({ reports: Array.from({ length: 101 }, () => BASE) }),
    url: '/v1/reports/batch',
    expect: '/reports',
  },
  {
    body: JSON.stringify({ reports: [BASE, set(BASE, ['region'], 'X')] }),
    url: '/v1/reports/batch',
    expect: '/reports/1/region',
  },
  { body: JSON.stringify([BASE]), url: '/v1/reports/batch' },
  { body: JSON.stringify(BASE), url: '/v1/reports/batch', expect: '/reports' },
  { body: JSON.stringify(BASE).replace('"persons":', '"__proto__":{"isAdmin":true},"persons":') },
];

const malformedText = fc.oneof(
  fc.string().filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
  fc
    .integer({ min: 1, max: JSON.stringify(BASE).length - 1 })
    .map((n) => JSON.stringify(BASE).slice(0, n)),
);

describe('malformed and boundary input (property-based, real HTTP app and Postgres, Kafka unreachable)', () => {
  const hotlineKey = `bk_prop_${randomBytes(24).toString('base64url')}`;
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let sql: Client;
  let answered = 0;

  beforeAll(async () => {
    db = await createTestDatabase('beacon_intake_malformed');
    const config = loadIntakeConfig({
      DATABASE_URL: db.url,
      // Nothing listens there: the outbox, not Kafka, is what must stay empty.
      KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
      PERSON_HMAC_KEY: randomBytes(32).toString('base64'),
      VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`,
      DEV_API_KEY: hotlineKey,
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '1000000',
      LOG_LEVEL: 'error',
    });
    app = await createIntakeApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    // The base report itself is valid: every case below is broken on purpose, and only there.
    expect(reportInputSchema.safeParse(BASE).success).toBe(true);
    expect(REQUIRED.length).toBeGreaterThan(20);
  });

  afterAll(async () => {
    await sql?.end();
    await app?.close();
    await db?.drop();
  });

  async function check(input: Case): Promise<void> {
    const response = await fetch(`${baseUrl}${input.url ?? '/v1/reports'}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${hotlineKey}`,
        'content-type': input.contentType ?? 'application/json',
        ...(input.idempotencyKey === undefined ? {} : { 'idempotency-key': input.idempotencyKey }),
      },
      body: input.body,
    });
    answered += 1;
    const text = await response.text();
    const context = `${response.status} for ${input.body.slice(0, 300)}\n→ ${text.slice(0, 500)}`;
    expect([context, response.status >= 400 && response.status < 500]).toEqual([context, true]);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(text) as {
      status: number;
      title: string;
      'invalid-params'?: { name: string }[];
    };
    expect(problem.status).toBe(response.status);
    if (input.expect !== undefined) {
      expect([context, problem['invalid-params']?.map((p) => p.name)]).toEqual([
        context,
        expect.arrayContaining([input.expect]),
      ]);
    }
  }

  const outboxRows = async () =>
    Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM intake.outbox')).rows[0]?.n);

  it('answers a wrong type anywhere with 400 naming the field', async () => {
    await fc.assert(fc.asyncProperty(wrongType, check), { numRuns: 600 });
  });

  it('answers a code outside its vocabulary with 400 naming the field', async () => {
    await fc.assert(fc.asyncProperty(notInEnum, check), { numRuns: 400 });
  });

  it('answers a missing required field with 400 naming it', async () => {
    await fc.assert(fc.asyncProperty(missing, check), { numRuns: 300 });
  });

  it('answers an unknown field anywhere with 400 naming it', async () => {
    await fc.assert(fc.asyncProperty(unknownField, check), { numRuns: 300 });
  });

  it('answers arbitrary JSON and text that is not JSON with 4xx problem+json', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue().map((v) => json(v as Json)),
        check,
      ),
      { numRuns: 250 },
    );
    await fc.assert(
      fc.asyncProperty(
        malformedText.map((body) => ({ body })),
        check,
      ),
      { numRuns: 250 },
    );
  });

  it('answers every boundary case with 4xx naming what is wrong', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...BOUNDARIES), check), { numRuns: 200 });
    for (const input of BOUNDARIES) await check(input);
  });

  it('wrote no event, case, report or idempotency key for any of them', async () => {
    expect(answered).toBeGreaterThanOrEqual(2_000);
    expect(await outboxRows()).toBe(0);
    for (const table of ['intake.reports', 'intake.person_cases', 'intake.idempotency_keys']) {
      expect([table, (await sql.query(`SELECT 1 FROM ${table} LIMIT 1`)).rowCount]).toEqual([
        table,
        0,
      ]);
    }
  });
});
