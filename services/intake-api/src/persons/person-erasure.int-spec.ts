import { AuditLog, migrateAudit } from '@beacon/audit';
import { decodeFromKafka, type EncryptedValue } from '@beacon/events';
import { createKafka } from '@beacon/kafka';
import { Outbox } from '@beacon/persistence';
import {
  createTestDatabase,
  requireInfrastructure,
  uniqueName,
  waitFor,
  type TestDatabase,
} from '@beacon/testing';
import { PersonKeyVault } from '@beacon/vault';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { type Pool } from 'pg';
import { createIntakeApp } from '../app.bootstrap';
import { loadIntakeConfig } from '../intake.config';
import { CASE_TOPIC, INTAKE_POOL } from '../intake.tokens';
import { ensureCaseTopics } from '../outbox/outbox.module';
import { type ReportAccepted } from '../reports/report.dto';
import { ErasureException, erasureEventId, PersonErasureService } from './person-erasure.service';
import { PersonRefsRepository } from './person-refs.repository';

let sequence = 0;
const regNo = () => `555-26E${String(process.pid).slice(-3)}${String(++sequence).padStart(5, '0')}`;

describe(PersonErasureService.name, () => {
  const devKey = `bk_erase_${randomBytes(24).toString('base64url')}`;
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let pool: Pool;
  let vault: PersonKeyVault;
  let audit: AuditLog;
  let sut: PersonErasureService;
  let brokers: string[];
  let prefix: string;

  beforeAll(async () => {
    db = await createTestDatabase('beacon_intake_erasure');
    prefix = `${uniqueName('intake_erase')}.`;
    const config = loadIntakeConfig({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: requireInfrastructure('KAFKA_BROKERS'),
      KAFKA_TOPIC_PREFIX: prefix,
      PERSON_HMAC_KEY: randomBytes(32).toString('base64'),
      VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`,
      DEV_API_KEY: devKey,
      RATE_LIMIT_PER_SECOND: '1000',
      LOG_LEVEL: 'warn',
    });
    brokers = config.KAFKA_BROKERS;
    await migrateAudit(db.url);
    app = await createIntakeApp(config);
    await ensureCaseTopics(
      createKafka({ brokers, clientId: 'erasure-test', topicPrefix: prefix }),
      config,
    );
    pool = app.get<Pool>(INTAKE_POOL);
    vault = app.get(PersonKeyVault);
    audit = new AuditLog(pool);
    sut = new PersonErasureService(
      pool,
      app.get<string>(CASE_TOPIC),
      audit,
      vault,
      new Outbox('intake'),
      new PersonRefsRepository(pool),
    );
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const submit = async (
    persons: Record<string, unknown>[],
    facts: Record<string, unknown>[] = [],
  ): Promise<{ status: number; body: ReportAccepted & { type?: string } }> => {
    const response = await app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'POST',
        url: '/v1/reports',
        headers: { authorization: `Bearer ${devKey}`, 'content-type': 'application/json' },
        payload: JSON.stringify({
          occurredAt: new Date(Date.now() - 60_000).toISOString(),
          region: 'almaty',
          source: { role: 'family', reliability: 'credible', channel: 'call', language: 'ru' },
          recordedBy: 'operator-17',
          persons,
          facts: [
            {
              type: 'detention-reported',
              place: { region: 'almaty' },
              authority: 'police',
              manner: 'home-raid',
              statedReason: 'none-given',
              notes: 'Taken from the flat on Timiryazev street',
            },
            ...facts,
          ],
        }),
      });
    return { status: response.statusCode, body: response.json() };
  };

  /** The sealed values intake wrote for a case, from its outbox (what went to Kafka). */
  const sealedOf = async (caseId: string): Promise<EncryptedValue[]> => {
    const { rows } = await pool.query<{ value: string }>(
      'SELECT value FROM intake.outbox WHERE stream_key = $1 ORDER BY position',
      [caseId],
    );
    return rows.flatMap((r) =>
      Object.values(JSON.parse(r.value) as Record<string, unknown>).filter(
        (v): v is EncryptedValue =>
          typeof v === 'object' && v !== null && (v as { alg?: unknown }).alg === 'A256GCM',
      ),
    );
  };
  const personRefOf = async (caseId: string) =>
    (
      await pool.query<{ person_ref: string }>(
        'SELECT person_ref FROM intake.person_refs WHERE case_id = $1',
        [caseId],
      )
    ).rows[0]!.person_ref;

  it('seals each person under their own key, then erasure makes one person unreadable and tells their case, once', async () => {
    const number = regNo();
    const accepted = await submit([
      {
        name: 'Rustam Karimov',
        registrationNumber: number,
        phone: '+77010000481',
        unhcrStatus: 'refugee',
      },
      { name: 'Jasur Tashkentov', unhcrStatus: 'asylum-seeker' },
    ]);
    expect(accepted.status).toBe(202);
    const [victimCase, otherCase] = accepted.body.cases.map((c) => c.caseId) as [string, string];
    const victim = await personRefOf(victimCase);
    const victimValues = await sealedOf(victimCase);
    const otherValues = await sealedOf(otherCase);
    expect(victimValues.every((v) => v.kid === `pk:${victim}:1`)).toBe(true);
    expect(await vault.decryptMany(victimValues)).toEqual(
      expect.arrayContaining([
        'Rustam Karimov',
        number,
        '+77010000481',
        'Taken from the flat on Timiryazev street',
      ]),
    );

    const outcome = await sut.erase({
      personRef: victim,
      reason: 'person-request',
      requestedBy: 'person',
      actor: 'admin-7',
    });

    expect(outcome).toMatchObject({ destroyedNow: true, cases: [victimCase], eventsAppended: 1 });
    expect(await vault.decryptMany(victimValues)).toEqual(victimValues.map(() => null));
    expect(await vault.decryptMany(otherValues)).toEqual(
      expect.arrayContaining(['Jasur Tashkentov', 'Taken from the flat on Timiryazev street']),
    );
    const [entry] = await audit.list({ subjectId: victim });
    expect(entry).toMatchObject({
      actor: { id: 'admin-7', role: 'admin' },
      action: 'erase',
      subject: { type: 'person', id: victim },
      purpose: 'person-request',
      detail: { cases: 1, keyDestroyed: true },
    });

    // The record-erased event reaches the case topic, keyed by the case, naming only the reference.
    const consumer = createKafka({
      brokers,
      clientId: 'erasure-reader',
      topicPrefix: prefix,
    }).consumer({
      groupId: uniqueName('erasure-reader'),
    });
    const seen: { key: string | undefined; type: string; personRef: unknown }[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: app.get<string>(CASE_TOPIC), fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const decoded = decodeFromKafka(message);
          if (decoded.ok) {
            seen.push({
              key: message.key?.toString(),
              type: decoded.event.type,
              personRef: (decoded.event.data as { personRef?: unknown }).personRef,
            });
          }
          return Promise.resolve();
        },
      });
      const erased = await waitFor(
        () => seen.find((e) => e.type === 'org.beacon.record-erased.v1') ?? null,
        { timeoutMs: 20_000, what: 'the record-erased event on the case topic' },
      );
      expect(erased).toEqual({
        key: victimCase,
        type: 'org.beacon.record-erased.v1',
        personRef: victim,
      });
    } finally {
      await consumer.disconnect();
    }

    // Running it again changes nothing and appends nothing: an interrupted run can be completed.
    const again = await sut.erase({
      personRef: victim,
      reason: 'person-request',
      requestedBy: 'person',
      actor: 'admin-7',
    });
    expect(again).toMatchObject({ destroyedNow: false, eventsAppended: 0 });
    const { rows } = await pool.query('SELECT 1 FROM intake.outbox WHERE event_id = $1', [
      erasureEventId(victimCase, victim),
    ]);
    expect(rows).toHaveLength(1);

    // The person reported again is someone new to Beacon: a new case, reference and key.
    const later = await submit([
      { name: 'Rustam Karimov', registrationNumber: number, unhcrStatus: 'refugee' },
    ]);
    expect(later.status).toBe(202);
    expect(later.body.cases[0]).toMatchObject({ joinedExistingCase: false });
    expect(later.body.cases[0]!.caseId).not.toBe(victimCase);
    const newRef = await personRefOf(later.body.cases[0]!.caseId);
    expect(newRef).not.toBe(victim);
    expect(await vault.decryptMany(await sealedOf(later.body.cases[0]!.caseId))).toContain(
      'Rustam Karimov',
    );
  });

  it('opens a new case when a person was erased but the case topic has not yet told intake', async () => {
    const number = regNo();
    const first = await submit([
      { name: 'Otabek Rakhimov', registrationNumber: number, unhcrStatus: 'refugee' },
    ]);
    const ref = await personRefOf(first.body.cases[0]!.caseId);
    // Only the key is destroyed here; the open-case mapping is still there.
    await vault.erase(ref, 'admin-7', 'person-request');

    const second = await submit([
      { name: 'Otabek Rakhimov', registrationNumber: number, unhcrStatus: 'refugee' },
    ]);

    expect(second.status).toBe(202);
    expect(second.body.cases[0]!.caseId).not.toBe(first.body.cases[0]!.caseId);
    expect(await personRefOf(second.body.cases[0]!.caseId)).not.toBe(ref);
  });

  it('refuses to erase a reference Beacon never saw, and a hotline cannot report an erasure', async () => {
    await expect(
      sut.erase({
        personRef: 'p_NeverSeenBefore0000',
        reason: 'retention',
        requestedBy: 'person',
        actor: 'admin-7',
      }),
    ).rejects.toThrow(ErasureException);

    const reported = await submit(
      [{ unhcrStatus: 'refugee' }],
      [{ type: 'record-erased', requestedBy: 'person' }],
    );
    expect(reported.status).toBe(403);
    expect(JSON.stringify(reported.body)).toMatch(/beacon persons erase/);
  });
});
