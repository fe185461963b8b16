import { waitFor } from '@beacon/testing';
import { accountFromApi, getJson, login, type Session } from './security-accounts';
import { SEED_PERSONS, seedReport } from './seed-scenario';
import {
  postReport,
  SECURITY_MAILBOX,
  startSecurityStack,
  type SecurityStack,
} from './security-stack';

interface AuditEntry {
  seq: number;
  at: string;
  actor: { id: string; role: string };
  action: string;
  subject: { type: string; id: string };
  fields: string[];
  identifying: boolean;
  purpose: string;
}

interface BulkReadAlert {
  seq: number;
  kind: string;
  actorId: string;
  subjects: number;
  threshold: number;
}

describe('audit: every read of identifying data is logged with who, what, when and why; bulk reads raise an alert', () => {
  const THRESHOLD = 3;
  let stack: SecurityStack;
  let cases: string[];
  let officer: { userId: string; session: Session };

  beforeAll(async () => {
    stack = await startSecurityStack('sec_audit', { bulkReadThreshold: THRESHOLD });
    const accepted = await postReport(
      stack,
      seedReport(new Date(Date.now() - 40 * 60_000).toISOString()),
    );
    cases = accepted.cases.map((c) => c.caseId);
    const created = await fetch(`${stack.console.baseUrl}/v1/admin/users`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.adminSession.accessToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ username: 'officer.almaty', role: 'officer', regions: ['almaty'] }),
    });
    expect(created.status).toBe(201);
    const account = accountFromApi((await created.json()) as Parameters<typeof accountFromApi>[0]);
    officer = { userId: account.userId, session: await login(stack.console.baseUrl, account) };
    for (const caseId of cases) {
      await waitFor(
        async () =>
          (
            await getJson(
              `${stack.console.baseUrl}/v1/cases/${caseId}`,
              stack.adminSession.accessToken,
            )
          ).status === 200,
        {
          timeoutMs: 60_000,
          what: `case ${caseId} projected`,
        },
      );
    }
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const readIdentity = (caseId: string, query: string, token = officer.session.accessToken) =>
    getJson(`${stack.console.baseUrl}/v1/cases/${caseId}/identity${query}`, token);
  const audit = async (query: string) => {
    const answer = await getJson(
      `${stack.console.baseUrl}/v1/audit${query}`,
      stack.adminSession.accessToken,
    );
    expect(answer.status).toBe(200);
    return (answer.body as { entries: AuditEntry[] }).entries;
  };

  it('refuses an identity read without a purpose code, naming the parameter, and logs nothing', async () => {
    for (const query of ['', '?purpose=', '?purpose=my%20cousin%20asked']) {
      const answer = await readIdentity(cases[0]!, query);
      expect(answer.status).toBe(400);
      expect(answer.contentType).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(answer.body)).toContain('purpose');
    }
    expect(await audit(`?actorId=${officer.userId}`)).toEqual([]);
  });

  it('records the officer’s read with who, what, when and why, visible to admins only', async () => {
    const before = Date.now();
    const answer = await readIdentity(cases[0]!, '?purpose=case-work');
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.body)).toContain(SEED_PERSONS[0].name);

    const [entry, ...rest] = await audit(`?actorId=${officer.userId}`);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      actor: { id: officer.userId, role: 'officer' },
      action: 'read',
      subject: { type: 'case', id: cases[0] },
      identifying: true,
      purpose: 'case-work',
    });
    expect(entry!.fields).toEqual(
      expect.arrayContaining(['name', 'dateOfBirth', 'registrationNumber', 'phone']),
    );
    expect(Date.parse(entry!.at)).toBeGreaterThanOrEqual(before - 1_000);
    expect(Date.parse(entry!.at)).toBeLessThanOrEqual(Date.now() + 1_000);
    // The log holds ids and codes, never what was read.
    expect(JSON.stringify(entry)).not.toContain(SEED_PERSONS[0].name);

    expect(
      (await getJson(`${stack.console.baseUrl}/v1/audit`, officer.session.accessToken)).status,
    ).toBe(403);
    expect(
      (await getJson(`${stack.console.baseUrl}/v1/audit/alerts`, officer.session.accessToken))
        .status,
    ).toBe(403);
    // Account administration is audited too: the admin created this officer.
    const created = await audit(`?subjectId=${officer.userId}`);
    expect(created).toEqual([
      expect.objectContaining({
        actor: { id: stack.admin.userId, role: 'admin' },
        action: 'admin',
        subject: { type: 'user', id: officer.userId },
      }),
    ]);
  });

  it(`raises one bulk-read alert when ${THRESHOLD} cases are read within the window, shown to admins and e-mailed without personal data`, async () => {
    const alerts = async () => {
      const answer = await getJson(
        `${stack.console.baseUrl}/v1/audit/alerts`,
        stack.adminSession.accessToken,
      );
      expect(answer.status).toBe(200);
      return (answer.body as { alerts: BulkReadAlert[] }).alerts;
    };
    expect(await alerts()).toEqual([]);
    // Reading the same case again is not a new subject.
    expect((await readIdentity(cases[0]!, '?purpose=case-work')).status).toBe(200);
    expect((await readIdentity(cases[1]!, '?purpose=case-work')).status).toBe(200);
    expect(await alerts()).toEqual([]);
    expect((await readIdentity(cases[2]!, '?purpose=case-work')).status).toBe(200);
    expect((await readIdentity(cases[3]!, '?purpose=case-work')).status).toBe(200);

    expect(await alerts()).toEqual([
      expect.objectContaining({
        kind: 'bulk-read',
        actorId: officer.userId,
        subjects: THRESHOLD,
        threshold: THRESHOLD,
      }),
    ]);
    const mail = await stack.smtp.waitForMail(
      (m) => m.envelopeTo.includes(SECURITY_MAILBOX),
      20_000,
    );
    expect(mail.raw).toContain(officer.userId);
    for (const person of SEED_PERSONS) {
      for (const secret of [
        person.name,
        ...person.name.split(' '),
        person.registrationNumber,
        person.phone,
        person.dateOfBirth,
      ]) {
        expect(mail.raw).not.toContain(secret);
      }
    }
    for (const caseId of cases) expect(mail.raw).not.toContain(caseId);
  });
});
