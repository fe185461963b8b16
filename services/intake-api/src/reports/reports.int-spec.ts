import {
  createTestDatabase,
  requireInfrastructure,
  uniqueName,
  waitFor,
  type TestDatabase,
} from '@beacon/testing';
import { type Kafka } from '@beacon/kafka';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type AddressInfo } from 'node:net';
import { Outbox } from '@beacon/persistence';
import { type EncryptedValue, parseMasterKeys } from '@beacon/security';
import { PersonKeyVault } from '@beacon/vault';
import { Client, Pool } from 'pg';
import { createIntakeApp } from '../app.bootstrap';
import { HotlineKeysRepository } from '../auth/hotline-keys.repository';
import { openApiDocument } from '../docs/openapi.document';
import { IdempotencyRepository } from '../idempotency/idempotency.repository';
import { loadIntakeConfig } from '../intake.config';
import { INTAKE_KAFKA } from '../intake.tokens';
import { ensureCaseTopics } from '../outbox/outbox.module';
import {
  type BatchAccepted,
  type ReportAccepted,
  type ReportStatus,
  reportInputSchema,
} from './report.dto';

const key = () => randomBytes(32).toString('base64');
let sequence = 0;
/** A registration number no other test uses. */
const regNo = () => `777-26C${String(process.pid).slice(-3)}${String(++sequence).padStart(5, '0')}`;

function report(overrides: Record<string, unknown> = {}, persons?: Record<string, unknown>[]) {
  return {
    occurredAt: '2009-03-12T00:00:00+06:00',
    timeBand: 'night',
    region: 'almaty',
    source: { role: 'family', reliability: 'credible', channel: 'call', language: 'ru' },
    recordedBy: 'operator-17',
    persons: persons ?? [
      {
        name: 'Rustam Karimov',
        registrationNumber: regNo(),
        phone: '+77010000481',
        unhcrStatus: 'refugee',
        countryOfOrigin: 'UZ',
        sex: 'male',
        ageBand: '18-59',
      },
      {
        name: 'Jasur Tashkentov',
        registrationNumber: regNo(),
        unhcrStatus: 'asylum-seeker',
        countryOfOrigin: 'UZ',
        sex: 'male',
        ageBand: '18-59',
      },
    ],
    facts: [
      {
        type: 'detention-reported',
        place: { region: 'almaty', district: 'bostandyk' },
        authority: 'unidentified-armed-men',
        manner: 'home-raid',
        statedReason: 'none-given',
        witnesses: 4,
        notes: 'Taken from flats on Timiryazev street by men in masks',
      },
      {
        type: 'access-status-updated',
        family: 'denied',
        lawyer: 'denied',
        unhcr: 'denied',
        ngo: 'denied',
      },
      {
        type: 'removal-threat-reported',
        kind: 'deportation',
        destinationCountry: 'UZ',
        stage: 'verbal-threat',
        asylumClaimPending: false,
      },
    ],
    ...overrides,
  };
}

interface OutboxRow {
  event_id: string;
  stream_key: string;
  value: string;
  headers: Record<string, string>;
  published_at: Date | null;
}

describe('intake reports over HTTP (real Postgres and Kafka)', () => {
  const devKey = `bk_test_${randomBytes(24).toString('base64url')}`;
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let sql: Client;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase('beacon_intake_reports');
    env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: requireInfrastructure('KAFKA_BROKERS'),
      KAFKA_TOPIC_PREFIX: `${uniqueName('intake')}.`,
      PERSON_HMAC_KEY: key(),
      VAULT_MASTER_KEYS: `mk1:${key()}`,
      DEV_API_KEY: devKey,
      RATE_LIMIT_PER_SECOND: '10000',
      RATE_LIMIT_BURST: '100000',
      HOTLINE_KEY_CACHE_MS: '0',
      IDEMPOTENCY_CLAIM_SECONDS: '2',
      LOG_LEVEL: 'warn',
    };
    const config = loadIntakeConfig(env);
    app = await createIntakeApp(config);
    await ensureCaseTopics(app.get<Kafka>(INTAKE_KAFKA), config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await app?.close();
    await db?.drop();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${devKey}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = (path: string, apiKey = devKey) =>
    fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  const outbox = async () =>
    (
      await sql.query<OutboxRow>(
        'SELECT event_id, stream_key, value, headers, published_at FROM intake.outbox ORDER BY position',
      )
    ).rows;
  const expectProblem = async (response: Response, status: number) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await response.json()) as {
      status: number;
      title: string;
      'invalid-params'?: { name: string; reason: string }[];
    };
    expect(body.status).toBe(status);
    expect(body.title).toEqual(expect.any(String));
    return body;
  };

  describe('POST /v1/reports', () => {
    it('turns a report about two people into two cases linked by one incident, one event per fact per person', async () => {
      const response = await post('/v1/reports', report());
      expect(response.status).toBe(202);
      const accepted = (await response.json()) as ReportAccepted;

      expect(accepted.cases).toHaveLength(2);
      expect(new Set(accepted.cases.map((c) => c.caseId)).size).toBe(2);
      for (const c of accepted.cases) expect(c.eventIds).toHaveLength(4); // identified + 3 facts
      const rows = (await outbox()).filter((r) =>
        accepted.cases.some((c) => c.eventIds.includes(r.event_id)),
      );
      expect(rows).toHaveLength(8);
      for (const row of rows) {
        expect(accepted.cases.map((c) => c.caseId)).toContain(row.stream_key);
        expect(row.headers.ce_incidentid).toBe(accepted.incidentId);
      }
    });

    it('lets no name, registration number, phone or free text out in the clear: not in keys, headers or values', async () => {
      const body = report();
      const response = await post('/v1/reports', body);
      const accepted = (await response.json()) as ReportAccepted;
      const ids = accepted.cases.flatMap((c) => c.eventIds);
      const rows = (await outbox()).filter((r) => ids.includes(r.event_id));
      const everything = JSON.stringify(rows);

      for (const person of body.persons) {
        for (const secret of [person.name, person.registrationNumber, person.phone].filter(
          (v): v is string => typeof v === 'string',
        )) {
          expect(everything).not.toContain(secret);
        }
      }
      expect(everything).not.toContain('Timiryazev');
      const identified = rows
        .map((r) => JSON.parse(r.value) as { registrationHash?: string; name?: { alg: string } })
        .find((v) => v.registrationHash);
      expect(identified?.registrationHash).toMatch(/^[0-9a-f]{64}$/);
      expect(identified?.name?.alg).toBe('A256GCM');
    });

    it('joins the open case of a person named again, matched by the keyed hash of the registration number', async () => {
      const number = regNo();
      const person = { registrationNumber: number, unhcrStatus: 'refugee' };
      const first = (await (
        await post('/v1/reports', report({}, [person]))
      ).json()) as ReportAccepted;
      // Typed differently by another operator: the same number once normalised.
      const again = { ...person, registrationNumber: number.toLowerCase().replace(/-/g, ' ') };
      const second = (await (
        await post('/v1/reports', report({}, [again, { unhcrStatus: 'refugee' }]))
      ).json()) as ReportAccepted;

      expect(second.cases[0]).toMatchObject({
        caseId: first.cases[0]?.caseId,
        joinedExistingCase: true,
      });
      expect(second.cases[1]?.joinedExistingCase).toBe(false);
      expect(second.incidentId).not.toBe(first.incidentId);
      const { rows } = await sql.query<{ n: string }>(
        'SELECT count(*) AS n FROM intake.person_cases WHERE registration_hash LIKE $1',
        [`%${number}%`],
      );
      expect(rows[0]?.n).toBe('0');
    });

    it('settles many first reports about one new person sent at once on one case and one data key', async () => {
      const person = {
        name: 'Rustam Karimov',
        registrationNumber: regNo(),
        unhcrStatus: 'refugee',
      };
      const responses = await Promise.all(
        Array.from({ length: 8 }, () => post('/v1/reports', report({}, [person]))),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(8).fill(202));
      const accepted = (await Promise.all(responses.map((r) => r.json()))) as ReportAccepted[];
      const caseIds = new Set(accepted.map((a) => a.cases[0]?.caseId));
      expect(caseIds.size).toBe(1);
      expect(accepted.filter((a) => a.cases[0]?.joinedExistingCase === false)).toHaveLength(1);

      const ids = accepted.flatMap((a) => a.cases.flatMap((c) => c.eventIds));
      const names = (await outbox())
        .filter((r) => ids.includes(r.event_id))
        .map(
          (r) => JSON.parse(r.value) as { name?: EncryptedValue; context: { personRef: string } },
        )
        .filter((v) => v.name !== undefined);
      expect(names).toHaveLength(8);
      const refs = new Set(names.map((v) => v.context.personRef));
      expect(refs.size).toBe(1);
      const { rows } = await sql.query<{ n: string }>(
        'SELECT count(*) AS n FROM vault.person_keys WHERE person_ref = ANY($1::text[])',
        [[...refs]],
      );
      expect(rows[0]?.n).toBe('1');
      const pool = new Pool({ connectionString: db.url, max: 1 });
      try {
        const vault = new PersonKeyVault(pool, parseMasterKeys(env.VAULT_MASTER_KEYS!));
        const opened = await vault.decryptMany(names.map((v) => v.name!));
        expect(opened).toEqual(Array(8).fill('Rustam Karimov'));
      } finally {
        await pool.end();
      }
    });

    it('refuses the same person twice in one report, naming both places', async () => {
      const number = regNo();
      const body = await expectProblem(
        await post(
          '/v1/reports',
          report({}, [
            { registrationNumber: number, unhcrStatus: 'refugee' },
            { registrationNumber: ` ${number} `, unhcrStatus: 'refugee' },
          ]),
        ),
        400,
      );
      expect(body['invalid-params']).toEqual([
        { name: '/persons/1/registrationNumber', reason: 'same person as /persons/0' },
      ]);
    });

    it('names each invalid field with a JSON pointer and rejects unknown fields, writing nothing', async () => {
      const before = (await outbox()).length;
      const body = report();
      const invalid = {
        ...body,
        region: 'Almaty City',
        nickname: 'x',
        persons: [{ ...body.persons[0], sex: 'm' }],
        facts: [
          { ...body.facts[0], authority: 'masked men', colour: 'red' },
          { type: 'person-vanished' },
        ],
      };
      const problem = await expectProblem(await post('/v1/reports', invalid), 400);

      expect(problem['invalid-params']?.map((p) => p.name).sort()).toEqual(
        [
          '/facts/0/authority',
          '/facts/0/colour',
          '/facts/1/type',
          '/nickname',
          '/persons/0/sex',
          '/region',
        ].sort(),
      );
      expect((await outbox()).length).toBe(before);
    });

    it('answers malformed JSON 400, a non-JSON body 415 and an oversized body 413, all as problem+json', async () => {
      await expectProblem(await post('/v1/reports', '{"occurredAt": '), 400);
      await expectProblem(
        await post('/v1/reports', 'hello', { 'content-type': 'text/plain' }),
        415,
      );
      await expectProblem(
        await post('/v1/reports', '<report/>', { 'content-type': 'application/xml' }),
        415,
      );
      const huge = report({ padding: 'x'.repeat(300 * 1024) });
      await expectProblem(await post('/v1/reports', huge), 413);
    });
  });

  describe('outbox ordering', () => {
    it('takes the outbox’s own per-case lock, so writes to one case commit in order for the relays', async () => {
      const number = regNo();
      const first = (await (
        await post(
          '/v1/reports',
          report({}, [{ registrationNumber: number, unhcrStatus: 'refugee' }]),
        )
      ).json()) as ReportAccepted;
      const caseId = first.cases[0]?.caseId ?? '';
      // A relay (or another writer) holding the case, as libs/persistence's Outbox takes it.
      const holder = new Pool({ connectionString: db.url, max: 1 });
      const client = await holder.connect();
      await client.query('BEGIN');
      await new Outbox('intake').lockKeys(client, [caseId]);
      let settled = false;
      const joining = post(
        '/v1/reports',
        report({}, [{ registrationNumber: number, unhcrStatus: 'refugee' }]),
      ).then((r) => {
        settled = true;
        return r;
      });

      await new Promise((r) => setTimeout(r, 700));
      expect(settled).toBe(false);
      await client.query('ROLLBACK');
      client.release();
      await holder.end();
      const response = await joining;
      expect(response.status).toBe(202);
      expect(((await response.json()) as ReportAccepted).cases[0]?.caseId).toBe(caseId);
    });
  });

  describe('POST /v1/reports/batch', () => {
    it('accepts 100 full reports in one request, all or none', async () => {
      // Five people each, as in the Almaty raid, with a few lines of notes: over the single-report limit.
      const full = () =>
        report(
          {},
          Array.from({ length: 5 }, (_, i) => ({
            name: `Person ${i} Fictional-Name`,
            registrationNumber: regNo(),
            dateOfBirth: '1990-01-01',
            phone: '+77010000000',
            unhcrStatus: 'refugee',
            countryOfOrigin: 'UZ',
            sex: 'male',
            ageBand: '18-59',
            notes: 'Lives with his wife and three children; works at the bazaar. '.repeat(6),
          })),
        );
      const reports = Array.from({ length: 100 }, full);
      expect(JSON.stringify({ reports }).length).toBeGreaterThan(256 * 1024);

      const response = await post('/v1/reports/batch', { reports });
      expect(response.status).toBe(202);
      const accepted = (await response.json()) as BatchAccepted;

      expect(accepted.reports).toHaveLength(100);
      expect(new Set(accepted.reports.map((r) => r.incidentId)).size).toBe(100);
      const ids = new Set((await outbox()).map((r) => r.event_id));
      for (const r of accepted.reports)
        for (const c of r.cases) for (const id of c.eventIds) expect(ids.has(id)).toBe(true);
    });

    it('writes nothing when one report of the batch is invalid, and says which', async () => {
      const before = (await outbox()).length;
      const reports = [report(), report({ region: 'NOT A REGION' }), report()];

      const problem = await expectProblem(await post('/v1/reports/batch', { reports }), 400);

      expect(problem['invalid-params']).toEqual([
        { name: '/reports/1/region', reason: expect.any(String) },
      ]);
      expect((await outbox()).length).toBe(before);
    });

    it('refuses more than 100 reports', async () => {
      const reports = Array.from({ length: 101 }, () => report({}, [{ unhcrStatus: 'refugee' }]));
      const problem = await expectProblem(await post('/v1/reports/batch', { reports }), 400);
      expect(problem['invalid-params']?.[0]?.name).toBe('/reports');
    });

    it('lets a person named twice in a batch join the case the earlier report opened', async () => {
      const person = { registrationNumber: regNo(), unhcrStatus: 'refugee' };
      const accepted = (await (
        await post('/v1/reports/batch', { reports: [report({}, [person]), report({}, [person])] })
      ).json()) as BatchAccepted;
      const [first, second] = accepted.reports;
      expect(second?.cases[0]).toMatchObject({
        caseId: first?.cases[0]?.caseId,
        joinedExistingCase: true,
      });
      expect(first?.cases[0]?.joinedExistingCase).toBe(false);
    });
  });

  describe('GET /v1/reports/:id', () => {
    it('tells the hotline its report was published, and which cases and incident it joined', async () => {
      const accepted = (await (await post('/v1/reports', report())).json()) as ReportAccepted;

      const status = await waitFor(
        async () => {
          const s = (await (await get(`/v1/reports/${accepted.reportId}`)).json()) as ReportStatus;
          return s.status === 'published' ? s : null;
        },
        { timeoutMs: 30_000, what: 'the report to be published' },
      );

      expect(status).toMatchObject({
        reportId: accepted.reportId,
        incidentId: accepted.incidentId,
        events: { total: 8, published: 8 },
      });
      expect(status.cases.map((c) => [c.caseId, c.published])).toEqual(
        accepted.cases.map((c) => [c.caseId, true]),
      );
    });

    it('is 404 for another hotline’s report and 400 for an id that is not a uuid', async () => {
      const accepted = (await (await post('/v1/reports', report())).json()) as ReportAccepted;
      const other = await app
        .get(HotlineKeysRepository)
        .issue(uniqueName('other-hotline'), ['almaty'], ['*'], null);

      await expectProblem(await get(`/v1/reports/${accepted.reportId}`, other.apiKey), 404);
      const problem = await expectProblem(await get('/v1/reports/not-a-uuid'), 400);
      expect(problem['invalid-params']?.[0]?.name).toBe('/id');
    });
  });

  describe('hotline keys', () => {
    it('answers 401 problem+json without a key, with an unknown one and with a revoked one', async () => {
      const keys = app.get(HotlineKeysRepository);
      const issued = await keys.issue(uniqueName('revoked'), ['almaty'], ['*'], null);
      expect(
        (await post('/v1/reports', report(), { authorization: `Bearer ${issued.apiKey}` })).status,
      ).toBe(202);
      await keys.revoke(issued.keyId);

      const missing = await fetch(`${baseUrl}/v1/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      await expectProblem(missing, 401);
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
      await expectProblem(
        await post('/v1/reports', report(), {
          authorization: 'Bearer bk_unknown_key_000000000000000000000000',
        }),
        401,
      );
      await expectProblem(
        await post('/v1/reports', report(), { authorization: `Bearer ${issued.apiKey}` }),
        401,
      );
    });

    it('answers 403 outside the key’s regions or event types, naming the field', async () => {
      const scoped = await app
        .get(HotlineKeysRepository)
        .issue(uniqueName('scoped'), ['shymkent'], ['detention-reported'], null);
      const auth = { authorization: `Bearer ${scoped.apiKey}` };

      const region = await expectProblem(await post('/v1/reports', report(), auth), 403);
      expect(region['invalid-params']).toEqual([
        { name: '/region', reason: expect.stringContaining('almaty') },
      ]);
      const types = await expectProblem(
        await post('/v1/reports', report({ region: 'shymkent' }), auth),
        403,
      );
      expect(types['invalid-params']?.map((p) => p.name)).toEqual([
        '/facts/1/type',
        '/facts/2/type',
      ]);
      const allowed = report({ region: 'shymkent' });
      expect(
        (await post('/v1/reports', { ...allowed, facts: [allowed.facts[0]] }, auth)).status,
      ).toBe(202);
    });

    it('keeps at most two active keys per hotline, so one can be rotated without downtime', async () => {
      const keys = app.get(HotlineKeysRepository);
      const hotline = uniqueName('rotating');
      const old = await keys.issue(hotline, ['almaty'], ['*'], null);
      const next = await keys.issue(hotline, ['almaty'], ['*'], null);

      await expect(keys.issue(hotline, ['almaty'], ['*'], null)).rejects.toThrow(
        /already has 2 active keys.*revoke one first/,
      );
      for (const k of [old, next])
        expect(
          (await post('/v1/reports', report(), { authorization: `Bearer ${k.apiKey}` })).status,
        ).toBe(202);
      await keys.revoke(old.keyId);
      expect((await keys.issue(hotline, ['almaty'], ['*'], null)).apiKey).toMatch(/^bk_/);
      const { rows } = await sql.query<{ key_hash: string }>(
        'SELECT key_hash FROM intake.hotline_keys WHERE hotline_id = $1',
        [hotline],
      );
      expect(JSON.stringify(rows)).not.toContain(next.apiKey);
    });
  });

  describe('Idempotency-Key', () => {
    it('returns the first answer to a retry and writes nothing more', async () => {
      const body = report();
      const idem = { 'idempotency-key': `retry-${randomUUID()}` };
      const first = (await (await post('/v1/reports', body, idem)).json()) as ReportAccepted;
      const before = (await outbox()).length;

      const retry = await post('/v1/reports', body, idem);

      expect(retry.status).toBe(202);
      expect(await retry.json()).toEqual(first);
      expect((await outbox()).length).toBe(before);
    });

    it('answers 422 to the same key with a different body', async () => {
      const idem = { 'idempotency-key': `reuse-${randomUUID()}` };
      expect((await post('/v1/reports', report(), idem)).status).toBe(202);
      const problem = await expectProblem(
        await post('/v1/reports', report({ recordedBy: 'operator-18' }), idem),
        422,
      );
      expect(problem['invalid-params']?.[0]?.name).toBe('Idempotency-Key');
    });

    it('answers 409 with Retry-After while the first request is in flight, then the first answer', async () => {
      const body = report();
      const idem = { 'idempotency-key': `inflight-${randomUUID()}` };
      // Holds the first request inside its transaction, as a slow database would.
      const blocker = new Client({ connectionString: db.url });
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE intake.reports IN ACCESS EXCLUSIVE MODE');
      const first = post('/v1/reports', body, idem);
      await waitFor(
        async () =>
          (
            await sql.query(
              `SELECT 1 FROM intake.idempotency_keys WHERE key = $1 AND state = 'in-flight'`,
              [idem['idempotency-key']],
            )
          ).rowCount,
        {
          what: 'the first request to claim its key',
        },
      );

      const concurrent = await post('/v1/reports', body, idem);
      await expectProblem(concurrent, 409);
      expect(Number(concurrent.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

      await blocker.query('ROLLBACK');
      await blocker.end();
      const firstResponse = await first;
      expect(firstResponse.status).toBe(202);
      const answer = await firstResponse.json();
      const later = await post('/v1/reports', body, idem);
      expect(await later.json()).toEqual(answer);
    });

    it('lets a retry take over the claim of a request that died, once the claim has expired', async () => {
      const body = report();
      const idemKey = `crashed-${randomUUID()}`;
      // What a request that died after claiming leaves behind: its claim, valid for 2 s.
      const requestHash = createHash('sha256')
        .update('report')
        .update(JSON.stringify([reportInputSchema.parse(body)]))
        .digest('hex');
      await sql.query(
        `INSERT INTO intake.idempotency_keys (hotline_id, key, request_hash, state, claim_token, claimed_until)
         VALUES ('dev-hotline', $1, $2, 'in-flight', $3, now() + interval '2 seconds')`,
        [idemKey, requestHash, randomUUID()],
      );
      await expectProblem(await post('/v1/reports', body, { 'idempotency-key': idemKey }), 409);

      await new Promise((r) => setTimeout(r, 2_200));
      const late = await post('/v1/reports', body, { 'idempotency-key': idemKey });
      expect(late.status).toBe(202);
      expect(
        (await sql.query(`SELECT state FROM intake.idempotency_keys WHERE key = $1`, [idemKey]))
          .rows,
      ).toEqual([{ state: 'done' }]);
    });

    it('keeps answers at least 24 hours and forgets them after the retention', async () => {
      const idemKey = `old-${randomUUID()}`;
      expect((await post('/v1/reports', report(), { 'idempotency-key': idemKey })).status).toBe(
        202,
      );
      const repository = app.get(IdempotencyRepository);

      await sql.query(
        `UPDATE intake.idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`,
        [idemKey],
      );
      await repository.purge();
      expect(
        (await sql.query('SELECT 1 FROM intake.idempotency_keys WHERE key = $1', [idemKey]))
          .rowCount,
      ).toBe(1);

      await sql.query(
        `UPDATE intake.idempotency_keys SET created_at = now() - interval '49 hours' WHERE key = $1`,
        [idemKey],
      );
      await repository.purge();
      expect(
        (await sql.query('SELECT 1 FROM intake.idempotency_keys WHERE key = $1', [idemKey]))
          .rowCount,
      ).toBe(0);
    });

    it('rejects a malformed Idempotency-Key', async () => {
      const problem = await expectProblem(
        await post('/v1/reports', report(), { 'idempotency-key': 'short' }),
        400,
      );
      expect(problem['invalid-params']?.[0]?.name).toBe('Idempotency-Key');
    });
  });

  describe('rate limit', () => {
    it('answers 429 with Retry-After once a hotline exceeds its rate, and writes nothing', async () => {
      const limited = await createIntakeApp(
        loadIntakeConfig({ ...env, RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '100' }),
      );
      await limited.init();
      try {
        const server = limited.getHttpAdapter().getInstance();
        const send = (body: unknown) =>
          server.inject({
            method: 'POST',
            url: '/v1/reports/batch',
            headers: { authorization: `Bearer ${devKey}`, 'content-type': 'application/json' },
            payload: JSON.stringify(body),
          });
        const small = report({}, [{ unhcrStatus: 'refugee' }]);
        expect((await send({ reports: Array.from({ length: 100 }, () => small) })).statusCode).toBe(
          202,
        );
        const before = (await outbox()).length;

        const refused = await send({ reports: [small] });

        expect(refused.statusCode).toBe(429);
        expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect((await outbox()).length).toBe(before);
      } finally {
        await limited.close();
      }
    });
  });

  describe('/docs', () => {
    it('serves the OpenAPI document and its UI without a key', async () => {
      const ui = await fetch(`${baseUrl}/docs`);
      expect(ui.status).toBe(200);
      expect(ui.headers.get('content-type')).toMatch(/text\/html/);
      const document = await fetch(`${baseUrl}/docs/openapi.json`);
      expect(document.status).toBe(200);
      expect(await document.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    });
  });
});
