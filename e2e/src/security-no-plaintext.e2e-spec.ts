import { requireInfrastructure, waitFor } from '@beacon/testing';
import { getJson } from './security-accounts';
import { dumpDatabase, dumpTopics, encodingsOf } from './security-dumps';
import { SEED_PERSONS, seedReport } from './seed-scenario';
import { postReport, startSecurityStack, type SecurityStack } from './security-stack';

const SEED_NOTES = 'Taken from flats on Timiryazev street by men in masks, no documents shown';

/** Every identifying value of the seed scenario, and the parts a search would also try. */
function secrets(): string[] {
  const values = SEED_PERSONS.flatMap((p) => [
    p.name,
    ...p.name.split(' '),
    p.registrationNumber,
    p.dateOfBirth,
    p.phone,
  ]);
  return [...values, SEED_NOTES, 'Timiryazev'];
}

describe('no personal data in plaintext: a dump of the Kafka topics and every table holds none', () => {
  let stack: SecurityStack;

  beforeAll(async () => {
    stack = await startSecurityStack('sec_dump');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('after the seed scenario has gone through every service, finds no name, number, phone, birth date or note text in any form', async () => {
    const accepted = await postReport(
      stack,
      seedReport(new Date(Date.now() - 40 * 60_000).toISOString()),
    );
    expect(accepted.cases).toHaveLength(5);
    const token = stack.adminSession.accessToken;
    // Let every service do its part: projected, paged, and read back by an admin (audited).
    for (const { caseId } of accepted.cases) {
      await waitFor(
        async () => {
          const view = await getJson(`${stack.console.baseUrl}/v1/cases/${caseId}`, token);
          const timeline = (view.body as { timeline?: { name: string }[] } | null)?.timeline ?? [];
          return view.status === 200 && timeline.some((t) => t.name === 'alert-raised');
        },
        { timeoutMs: 60_000, what: `case ${caseId} projected with its alert` },
      );
    }
    await stack.smtp.waitForMail((m) => m.envelopeTo.length > 0, 10_000);
    const identity = await getJson(
      `${stack.console.baseUrl}/v1/cases/${accepted.cases[0]!.caseId}/identity?purpose=case-work`,
      token,
    );
    expect(identity.status).toBe(200);
    // The identity endpoint really decrypts: the plaintext exists, only never at rest.
    expect(JSON.stringify(identity.body)).toContain(SEED_PERSONS[0].name);

    const records = await dumpTopics(requireInfrastructure('KAFKA_BROKERS'), stack.prefix);
    const rows = await dumpDatabase(stack.db.url);
    // The dumps hold what they should: every event, sealed, and the tables of every service.
    expect(records.length).toBeGreaterThanOrEqual(5 * 5);
    const sealed = records.flatMap((r) => [
      ...r.value.matchAll(/"alg":"A256GCM","kid":"pk:p_[A-Za-z0-9_-]+:1"/g),
    ]);
    expect(sealed.length).toBeGreaterThanOrEqual(5 * 5);
    const schemas = new Set(rows.map((r) => r.table.split('.')[0]));
    for (const schema of ['intake', 'vault', 'projection', 'alerting', 'identity', 'audit'])
      expect(schemas).toContain(schema);

    const kafkaText = records.map((r) =>
      [r.topic, r.key, JSON.stringify(r.headers), r.value].join('\n'),
    );
    const found: string[] = [];
    for (const secret of secrets()) {
      for (const form of encodingsOf(secret)) {
        for (const text of kafkaText)
          if (text.includes(form))
            found.push(`kafka: ${JSON.stringify(secret)} as ${JSON.stringify(form)}`);
        for (const { table, row } of rows)
          if (row.includes(form))
            found.push(`${table}: ${JSON.stringify(secret)} as ${JSON.stringify(form)}`);
      }
    }
    expect(found).toEqual([]);
  });
});
