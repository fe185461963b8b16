import { createPool, runMigrations, type Pool } from '@beacon/persistence';
import { createTestDatabase, type TestDatabase, uniqueName } from '@beacon/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  AUDIT_SCHEMA,
  AuditException,
  AuditLog,
  auditMigrations,
  auditWriterGrantsSql,
  migrateAudit,
  type AuditEntryInput,
} from '../index';

describe(AuditLog.name, () => {
  let db: TestDatabase;
  let pool: Pool;
  let sut: AuditLog;
  const t0 = new Date('2025-03-01T00:00:00Z');
  const minutes = (n: number) => new Date(t0.getTime() + n * 60_000);

  beforeAll(async () => {
    db = await createTestDatabase('beacon_audit');
    // Two services starting at once both migrate the shared log; the lock makes that safe.
    expect((await Promise.all([migrateAudit(db.url), migrateAudit(db.url)])).flat()).toEqual([
      'AuditSchema1765000000100',
    ]);
    expect(await runMigrations(db.url, AUDIT_SCHEMA, auditMigrations)).toEqual([]);
    pool = createPool(db.url, 'audit-test', 20);
    sut = new AuditLog(pool, { bulkRead: { threshold: 5, windowMs: 10 * 60_000 } });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const identityRead = (actor: string, caseId: string, at: Date): AuditEntryInput => ({
    actor: { id: actor, role: 'officer' },
    action: 'read',
    subject: { type: 'case', id: caseId },
    fields: ['name', 'registrationNumber'],
    purpose: 'case-work',
    at,
  });

  it('records who read what, when and why, and lists it for admins with filters, newest first', async () => {
    const caseId = randomUUID();
    await sut.record(identityRead('officer-7', caseId, minutes(0)));
    await sut.record({
      actor: { id: 'admin-1', role: 'admin' },
      action: 'erase',
      subject: { type: 'person', id: 'p_AAAAAAAAAAAAAAAAAAAA' },
      purpose: 'person-request',
      at: minutes(1),
    });
    await sut.record({
      actor: { id: 'admin-1', role: 'admin' },
      action: 'admin',
      subject: { type: 'user', id: 'officer-7' },
      purpose: 'user-disabled',
      detail: { reason: 'left-organisation' },
      at: minutes(2),
    });

    const all = await sut.list({ from: t0, to: minutes(3) });
    expect(all.map((e) => e.action)).toEqual(['admin', 'erase', 'read']);
    expect(all[2]).toMatchObject({
      actor: { id: 'officer-7', role: 'officer' },
      subject: { type: 'case', id: caseId },
      fields: ['name', 'registrationNumber'],
      identifying: true,
      purpose: 'case-work',
      at: minutes(0),
    });
    expect(all[1]!.identifying).toBe(false);
    expect((await sut.list({ actorId: 'admin-1', action: 'admin' })).map((e) => e.detail)).toEqual([
      { reason: 'left-organisation' },
    ]);
    expect(await sut.list({ subjectType: 'case', subjectId: caseId })).toHaveLength(1);
    const page = await sut.list({ limit: 1 });
    expect(await sut.list({ beforeSeq: page[0]!.seq, limit: 1 })).toEqual([
      expect.objectContaining({ seq: page[0]!.seq - 1 }),
    ]);
  });

  it('refuses entries that would put personal data or free text into the permanent log', async () => {
    const bad: AuditEntryInput[] = [
      { ...identityRead('officer-7', randomUUID(), t0), purpose: 'called her brother Timur' },
      {
        ...identityRead('officer-7', randomUUID(), t0),
        subject: { type: 'case', id: 'Rustam Karimov' },
      },
      { ...identityRead('officer-7', randomUUID(), t0), detail: { note: 'held at KNB Almaty' } },
    ];
    for (const entry of bad) await expect(sut.record(entry)).rejects.toThrow(AuditException);
    await expect(sut.record(bad[0]!)).rejects.toMatchObject({ issues: [{ path: 'purpose' }] });
  });

  it('cannot be changed: UPDATE, DELETE and TRUNCATE fail even for the owner, on entries and alerts', async () => {
    await sut.record(identityRead('officer-8', randomUUID(), minutes(0)));
    const before = await pool.query('SELECT count(*)::int AS n FROM audit.entries');
    for (const sql of [
      `UPDATE audit.entries SET actor_id = 'someone-else'`,
      `DELETE FROM audit.entries WHERE actor_id = 'officer-8'`,
      `TRUNCATE audit.entries`,
      `UPDATE audit.alerts SET subjects = 0`,
      `DELETE FROM audit.alerts`,
      `TRUNCATE audit.alerts`,
    ]) {
      await expect(pool.query(sql)).rejects.toThrow(/append-only/);
    }
    expect((await pool.query('SELECT count(*)::int AS n FROM audit.entries')).rows).toEqual(
      before.rows,
    );
    expect(await sut.list({ actorId: 'officer-8' })).toHaveLength(1);
  });

  it('grants a service role append and read only', async () => {
    const role = uniqueName('audit_writer').toLowerCase();
    await pool.query(`CREATE ROLE ${role} LOGIN`);
    try {
      for (const sql of auditWriterGrantsSql(role)) await pool.query(sql);
      const url = new URL(db.url);
      url.username = role;
      const client = new Client({ connectionString: url.toString() });
      await client.connect();
      try {
        await client.query(
          `INSERT INTO audit.entries (id, at, actor_id, actor_role, action, subject_type, subject_id, identifying, purpose)
           VALUES ($1, now(), 'svc', 'ops', 'admin', 'system', 'projections', false, 'rebuild')`,
          [randomUUID()],
        );
        expect(
          (await client.query(`SELECT 1 FROM audit.entries WHERE actor_id = 'svc'`)).rowCount,
        ).toBe(1);
        await expect(
          client.query(`UPDATE audit.entries SET purpose = 'x' WHERE actor_id = 'svc'`),
        ).rejects.toThrow(/permission denied/);
        await expect(client.query(`DELETE FROM audit.entries`)).rejects.toThrow(
          /permission denied/,
        );
        await expect(client.query(`TRUNCATE audit.entries`)).rejects.toThrow(/permission denied/);
      } finally {
        await client.end();
      }
    } finally {
      await pool.query(`DROP OWNED BY ${role}`);
      await pool.query(`DROP ROLE ${role}`);
    }
  });

  it('raises one bulk-read alert when an actor reads identifying data of the threshold number of cases within the window', async () => {
    const actor = 'officer-bulk';
    const cases = Array.from({ length: 7 }, () => randomUUID());
    const alerts = [];
    // Re-reading one case, and reads without identifying fields, do not count.
    for (let i = 0; i < 4; i++)
      alerts.push((await sut.record(identityRead(actor, cases[i]!, minutes(i)))).alert);
    alerts.push((await sut.record(identityRead(actor, cases[0]!, minutes(4)))).alert);
    alerts.push(
      (
        await sut.record({
          ...identityRead(actor, cases[5]!, minutes(4)),
          fields: ['custody', 'urgency'],
        })
      ).alert,
    );
    // Someone else's reads are theirs.
    alerts.push((await sut.record(identityRead('officer-other', cases[6]!, minutes(4)))).alert);
    expect(alerts.every((a) => a === null)).toBe(true);

    const fifth = await sut.record(identityRead(actor, cases[4]!, minutes(5)));
    expect(fifth.alert).toMatchObject({
      kind: 'bulk-read',
      actorId: actor,
      subjects: 5,
      threshold: 5,
      raisedAt: minutes(5),
    });
    // One alert per window, not one per further read.
    expect((await sut.record(identityRead(actor, cases[5]!, minutes(6)))).alert).toBeNull();
    const raised = await sut.alertsAfter(0);
    expect(raised.filter((a) => a.actorId === actor)).toHaveLength(1);
    expect(await sut.alertsAfter(raised[raised.length - 1]!.seq)).toEqual([]);
  });

  it('does not count reads older than the window', async () => {
    const actor = 'officer-slow';
    for (let i = 0; i < 8; i++) {
      // One new case every 3 minutes: never more than 4 within 10 minutes.
      expect(
        (await sut.record(identityRead(actor, randomUUID(), minutes(i * 3)))).alert,
      ).toBeNull();
    }
  });

  it('raises exactly one alert when many reads arrive at once', async () => {
    const actor = 'officer-burst';
    const results = await Promise.all(
      Array.from({ length: 20 }, () => sut.record(identityRead(actor, randomUUID(), minutes(30)))),
    );
    expect(results.filter((r) => r.alert !== null)).toHaveLength(1);
    expect((await sut.alertsAfter(0)).filter((a) => a.actorId === actor)).toHaveLength(1);
  });

  it('commits with the caller’s transaction, or not at all', async () => {
    const client = await pool.connect();
    const caseId = randomUUID();
    try {
      await client.query('BEGIN');
      await sut.record(identityRead('officer-tx', caseId, minutes(0)), client);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await sut.list({ subjectId: caseId })).toEqual([]);
  });
});
