import {
  type EncryptedValue,
  openWithDataKey,
  parseMasterKeys,
  parseWrappedKey,
  unwrapDataKey,
} from '@beacon/security';
import { requireInfrastructure, waitFor } from '@beacon/testing';
import { Client } from 'pg';
import { beacon, getJson } from './security-accounts';
import { dumpDatabase, dumpTopics } from './security-dumps';
import { SEED_PERSONS, seedReport } from './seed-scenario';
import { postReport, startSecurityStack, type SecurityStack } from './security-stack';

interface IdentityView {
  caseId: string;
  personRef: string | null;
  erased: boolean;
  fields: Record<string, string | null>;
  notes: { eventId: string; text: string | null }[];
}

interface CaseView {
  caseId: string;
  personRef: string | null;
  urgency: string;
  state: { custody: string };
  timeline: { name: string }[];
}

/** Every sealed value in a text (an event's data, a table row). */
function sealedValues(text: string): EncryptedValue[] {
  const found: EncryptedValue[] = [];
  for (const match of text.matchAll(/\{"alg":"A256GCM"[^{}]*\}/g))
    found.push(JSON.parse(match[0]) as EncryptedValue);
  return found;
}

describe('erasure by crypto-shredding: `beacon persons erase` reaches Kafka, every projection and a rebuild', () => {
  let stack: SecurityStack;
  let sql: Client;

  beforeAll(async () => {
    stack = await startSecurityStack('sec_erase');
    sql = new Client({ connectionString: stack.db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await stack?.stop();
  });

  const token = () => stack.adminSession.accessToken;
  const caseView = async (caseId: string) =>
    (await getJson(`${stack.console.baseUrl}/v1/cases/${caseId}`, token())).body as CaseView;
  const identity = async (caseId: string) => {
    const answer = await getJson(
      `${stack.console.baseUrl}/v1/cases/${caseId}/identity?purpose=erasure-check`,
      token(),
    );
    expect(answer.status).toBe(200);
    return answer.body as IdentityView;
  };

  /** The person keys the vault still holds, unwrapped with the master keys as a service would. */
  const vaultKeys = async () => {
    const masters = parseMasterKeys(stack.masterKeys);
    const { rows } = await sql.query<{
      person_ref: string;
      key_version: number;
      wrapped_key: string;
    }>('SELECT person_ref, key_version, wrapped_key FROM vault.person_keys');
    return rows.map((r) => ({
      kid: `pk:${r.person_ref}:${r.key_version}`,
      key: unwrapDataKey(masters, parseWrappedKey(r.wrapped_key), r.person_ref),
    }));
  };
  const openable = (value: EncryptedValue, keys: { kid: string; key: Buffer }[]) =>
    keys.some((k) => openWithDataKey(k.key, value) !== null);

  it('leaves that person’s ciphertext unreadable everywhere, keeps the case’s history, and survives a rebuild', async () => {
    const accepted = await postReport(
      stack,
      seedReport(new Date(Date.now() - 40 * 60_000).toISOString()),
    );
    const [victimCase, otherCase] = accepted.cases.map((c) => c.caseId) as [string, string];
    for (const caseId of [victimCase, otherCase]) {
      await waitFor(async () => (await identity(caseId)).fields['name'] != null, {
        timeoutMs: 60_000,
        what: `identity of ${caseId} projected`,
      });
    }
    expect((await identity(victimCase)).fields).toMatchObject({
      name: SEED_PERSONS[0].name,
      registrationNumber: SEED_PERSONS[0].registrationNumber,
    });
    const victim = (await caseView(victimCase)).personRef!;
    expect(victim).toMatch(/^p_/);

    const erased = beacon(
      stack.env.intake,
      'persons',
      'erase',
      victim,
      '--reason',
      'person-request',
      '--requested-by',
      'person',
      '--actor',
      stack.admin.userId,
    );
    expect(erased.stderr).toBe('');
    expect(erased.status).toBe(0);
    expect(erased.stdout).toMatch(/destroyed now/);
    expect(erased.stdout).toContain(victimCase);

    // The case topic says so, and the projection blanks the person's fields.
    await waitFor(
      async () => (await caseView(victimCase)).timeline.some((t) => t.name === 'record-erased'),
      {
        timeoutMs: 60_000,
        what: 'record-erased in the case timeline',
      },
    );
    const after = await identity(victimCase);
    expect(after.erased).toBe(true);
    expect(Object.values(after.fields).filter((v) => v !== null)).toEqual([]);
    expect(after.notes.every((n) => n.text === null)).toBe(true);
    expect((await identity(otherCase)).fields['name']).toBe(SEED_PERSONS[1].name);

    // Kafka keeps the ciphertext, but no key left in the vault opens any of it.
    const records = await dumpTopics(requireInfrastructure('KAFKA_BROKERS'), stack.prefix);
    const onKafka = records.flatMap((r) => sealedValues(r.value));
    const victimValues = onKafka.filter((v) => v.kid.startsWith(`pk:${victim}:`));
    const otherValues = onKafka.filter((v) => !v.kid.startsWith(`pk:${victim}:`));
    expect(victimValues.length).toBeGreaterThanOrEqual(5);
    const keys = await vaultKeys();
    expect(keys.map((k) => k.kid)).not.toContain(`pk:${victim}:1`);
    expect(victimValues.filter((v) => openable(v, keys))).toEqual([]);
    expect(otherValues.every((v) => openable(v, keys))).toBe(true);
    const { rows: tombstones } = await sql.query(
      'SELECT person_ref, reason, requested_by FROM vault.erasures',
    );
    expect(tombstones).toEqual([
      { person_ref: victim, reason: 'person-request', requested_by: stack.admin.userId },
    ]);

    // No projection table keeps the person's ciphertext.
    const ciphertexts = victimValues.map((v) => v.ct);
    const inProjections = async () =>
      (await dumpDatabase(stack.db.url)).filter(
        (r) => r.table.startsWith('projection.') && ciphertexts.some((ct) => r.row.includes(ct)),
      );
    expect(await inProjections()).toEqual([]);

    // The case keeps its non-personal history.
    const kept = await caseView(victimCase);
    expect(kept.urgency).toBe('critical');
    expect(kept.state.custody).toBe('detained');
    expect(kept.timeline.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'person-identified',
        'detention-reported',
        'access-status-updated',
        'removal-threat-reported',
        'alert-raised',
        'record-erased',
      ]),
    );

    // A full rebuild replays the log, ciphertext and erasure alike, and cannot bring the data back.
    const rebuilt = beacon(stack.env.projector, 'projections', 'rebuild', '--json');
    expect(rebuilt.status).toBe(0);
    expect((JSON.parse(rebuilt.stdout) as { version: number }).version).toBe(2);
    const again = await identity(victimCase);
    expect(again.erased).toBe(true);
    expect(Object.values(again.fields).filter((v) => v !== null)).toEqual([]);
    expect(await inProjections()).toEqual([]);
    expect((await identity(otherCase)).fields['name']).toBe(SEED_PERSONS[1].name);
    expect((await caseView(victimCase)).timeline.map((t) => t.name)).toEqual(
      expect.arrayContaining(['detention-reported', 'record-erased']),
    );

    // The erasure is in the audit log for admins, with who and why.
    const audit = await getJson(`${stack.console.baseUrl}/v1/audit?action=erase`, token());
    expect(audit.status).toBe(200);
    expect((audit.body as { entries: unknown[] }).entries).toEqual([
      expect.objectContaining({
        actor: { id: stack.admin.userId, role: 'admin' },
        action: 'erase',
        subject: { type: 'person', id: victim },
        purpose: 'person-request',
      }),
    ]);

    // So is the rebuild, as an administrative act.
    const rebuilds = await getJson(
      `${stack.console.baseUrl}/v1/audit?action=admin&subjectId=projections`,
      token(),
    );
    expect((rebuilds.body as { entries: unknown[] }).entries).toEqual([
      expect.objectContaining({
        action: 'admin',
        subject: { type: 'system', id: 'projections' },
        purpose: 'projections-rebuild',
      }),
    ]);

    // Reported again, the person is someone new: a new case under a new reference.
    const report = seedReport(new Date(Date.now() - 5 * 60_000).toISOString());
    const later = await postReport(stack, {
      ...report,
      persons: report.persons.slice(0, 1),
      facts: report.facts.slice(0, 1),
    });
    expect(later.cases[0]!.caseId).not.toBe(victimCase);
    await waitFor(
      async () =>
        (await getJson(`${stack.console.baseUrl}/v1/cases/${later.cases[0]!.caseId}`, token()))
          .status === 200,
      {
        timeoutMs: 60_000,
        what: 'the new case projected',
      },
    );
    expect((await caseView(later.cases[0]!.caseId)).personRef).not.toBe(victim);
    expect((await identity(later.cases[0]!.caseId)).fields['name']).toBe(SEED_PERSONS[0].name);
  });
});
