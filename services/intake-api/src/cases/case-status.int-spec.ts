import { EXAMPLES, createEvent, encodeForKafka } from '@beacon/events';
import { EventProducer, createKafka } from '@beacon/kafka';
import {
  createTestDatabase,
  requireInfrastructure,
  uniqueName,
  waitFor,
  type TestDatabase,
} from '@beacon/testing';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createIntakeApp } from '../app.bootstrap';
import { loadIntakeConfig } from '../intake.config';
import { CASE_TOPIC } from '../intake.tokens';
import { ensureCaseTopics } from '../outbox/outbox.module';
import { type ReportAccepted } from '../reports/report.dto';

describe('open-case matching follows the case topic (real Kafka and Postgres)', () => {
  const devKey = `bk_cases_${randomBytes(24).toString('base64url')}`;
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let sql: Client;
  let producer: EventProducer;
  let topic: string;

  beforeAll(async () => {
    db = await createTestDatabase('beacon_intake_cases');
    const config = loadIntakeConfig({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: requireInfrastructure('KAFKA_BROKERS'),
      KAFKA_TOPIC_PREFIX: `${uniqueName('intake_cases')}.`,
      PERSON_HMAC_KEY: randomBytes(32).toString('base64'),
      VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`,
      DEV_API_KEY: devKey,
      RATE_LIMIT_PER_SECOND: '1000',
      LOG_LEVEL: 'warn',
    });
    const kafka = createKafka({
      brokers: config.KAFKA_BROKERS,
      clientId: 'case-status-test',
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
    });
    await ensureCaseTopics(kafka, config);
    producer = new EventProducer(kafka);
    app = await createIntakeApp(config);
    await app.init();
    topic = app.get<string>(CASE_TOPIC);
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    await sql?.end();
    await app?.close();
    await db?.drop();
  });

  const submit = async (
    registrationNumber: string,
    facts: Record<string, unknown>[] = [],
  ): Promise<ReportAccepted['cases'][number]> => {
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
          source: { role: 'ngo', reliability: 'confirmed', channel: 'partner-api', language: 'en' },
          recordedBy: 'officer-almaty-02',
          persons: [{ registrationNumber, unhcrStatus: 'refugee' }],
          facts: [
            {
              type: 'detention-reported',
              place: { region: 'almaty' },
              authority: 'police',
              manner: 'street',
              statedReason: 'identity-check',
            },
            ...facts,
          ],
        }),
      });
    expect(response.statusCode).toBe(202);
    const accepted = response.json<ReportAccepted>();
    const [only] = accepted.cases;
    if (!only) throw new Error('no case');
    return only;
  };

  const isOpen = async (caseId: string) =>
    (
      await sql.query(
        `SELECT 1 FROM intake.person_cases WHERE case_id = $1 AND closed_at IS NULL`,
        [caseId],
      )
    ).rowCount === 1;
  const mapped = async (caseId: string) =>
    (await sql.query(`SELECT 1 FROM intake.person_cases WHERE case_id = $1`, [caseId])).rowCount ===
    1;

  /** What another producer (the console, an officer) writes about a case. */
  const publish = async (
    name: 'case-reopened' | 'record-erased',
    caseId: string,
    personRef: string,
  ) => {
    const data =
      name === 'case-reopened'
        ? {
            ...EXAMPLES['case-reopened'].data,
            context: { ...EXAMPLES['case-reopened'].data.context, personRef },
          }
        : {
            ...EXAMPLES['record-erased'].data,
            personRef,
            context: { ...EXAMPLES['record-erased'].data.context, personRef },
          };
    const event = createEvent(name, {
      id: randomUUID(),
      caseId,
      time: new Date(),
      occurredAt: new Date(),
      source: '/beacon/ops-console',
      data,
    });
    await producer.send(topic, [encodeForKafka(event)]);
  };

  const personRefOf = async (caseId: string) =>
    (
      await sql.query<{ person_ref: string }>(
        'SELECT person_ref FROM intake.person_cases WHERE case_id = $1',
        [caseId],
      )
    ).rows[0]?.person_ref ?? '';

  it('opens a new case for a person whose case was closed, once the closure is on the topic', async () => {
    const number = `555-${randomBytes(4).toString('hex')}`;
    const first = await submit(number);
    const closing = await submit(number, [{ type: 'case-closed', reason: 'released-and-safe' }]);
    expect(closing).toMatchObject({ caseId: first.caseId, joinedExistingCase: true });

    await waitFor(async () => !(await isOpen(first.caseId)), {
      timeoutMs: 30_000,
      what: 'intake to see the case closed',
    });
    const next = await submit(number);

    expect(next.joinedExistingCase).toBe(false);
    expect(next.caseId).not.toBe(first.caseId);
    expect(await submit(number)).toMatchObject({ caseId: next.caseId, joinedExistingCase: true });
  });

  it('lets a reopened case take the person’s reports again, unless another case opened meanwhile', async () => {
    const number = `556-${randomBytes(4).toString('hex')}`;
    const first = await submit(number, [{ type: 'case-closed', reason: 'no-further-contact' }]);
    await waitFor(async () => !(await isOpen(first.caseId)), {
      timeoutMs: 30_000,
      what: 'the closure',
    });

    await publish('case-reopened', first.caseId, await personRefOf(first.caseId));
    await waitFor(() => isOpen(first.caseId), { timeoutMs: 30_000, what: 'the reopening' });

    expect(await submit(number)).toMatchObject({ caseId: first.caseId, joinedExistingCase: true });
  });

  it('forgets the person behind an erased record: a later report cannot be linked to the old case', async () => {
    const number = `557-${randomBytes(4).toString('hex')}`;
    const first = await submit(number);

    await publish('record-erased', first.caseId, await personRefOf(first.caseId));
    await waitFor(async () => !(await mapped(first.caseId)), {
      timeoutMs: 30_000,
      what: 'the erasure',
    });

    const later = await submit(number);
    expect(later.joinedExistingCase).toBe(false);
    expect(later.caseId).not.toBe(first.caseId);
  });

  it('keeps going past a record it cannot read', async () => {
    const number = `558-${randomBytes(4).toString('hex')}`;
    const first = await submit(number);
    const broken = encodeForKafka(EXAMPLES['case-reopened']);
    await producer.send(topic, [{ ...broken, value: '{"not": "a case-reopened payload"}' }]);

    await submit(number, [{ type: 'case-closed', reason: 'duplicate' }]);

    await waitFor(async () => !(await isOpen(first.caseId)), {
      timeoutMs: 30_000,
      what: 'the closure after the broken record',
    });
  });
});
