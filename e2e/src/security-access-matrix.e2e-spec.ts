import { waitFor } from '@beacon/testing';
import { type Account, accountFromApi, getJson, login } from './security-accounts';
import { seedReport } from './seed-scenario';
import { postReport, startSecurityStack, type SecurityStack } from './security-stack';

type Caller =
  | 'anonymous'
  | 'hotline-key'
  | 'hotline'
  | 'officer-almaty'
  | 'officer-astana'
  | 'legal-one'
  | 'legal-two'
  | 'ops'
  | 'admin';
const CALLERS: Caller[] = [
  'anonymous',
  'hotline-key',
  'hotline',
  'officer-almaty',
  'officer-astana',
  'legal-one',
  'legal-two',
  'ops',
  'admin',
];

interface Endpoint {
  name: string;
  method: 'GET' | 'POST';
  path: () => string;
  body?: () => unknown;
  /** Expected status per caller, in the order of CALLERS. */
  expect: [number, number, number, number, number, number, number, number, number];
}

/**
 * Cases: A (almaty, referred to legal-one for custody, access, timeline and name), B (almaty,
 * not referred), C (astana). The matrix is written out by hand, one row per endpoint and region.
 */
describe('role × endpoint × region: every console endpoint answers 401, 403 or 200 as the access policy says', () => {
  let stack: SecurityStack;
  const ids = {
    a: '',
    b: '',
    c: '',
    almatyIncident: '',
    astanaIncident: '',
    alertA: '',
    alertB: '',
    alertC: '',
  };
  const tokens = new Map<Caller, string | null>();
  const referral = {
    organisation: 'legal-one',
    fields: ['custody', 'access', 'timeline', 'name'],
    purpose: 'legal-aid',
  };

  beforeAll(async () => {
    stack = await startSecurityStack('sec_matrix');
    const almaty = await postReport(
      stack,
      seedReport(new Date(Date.now() - 40 * 60_000).toISOString()),
    );
    const astanaReport = seedReport(new Date(Date.now() - 30 * 60_000).toISOString());
    const astana = await postReport(stack, {
      ...astanaReport,
      region: 'astana',
      persons: astanaReport.persons
        .slice(0, 1)
        .map((p) => ({ ...p, registrationNumber: '321-10C00999' })),
      facts: [{ ...astanaReport.facts[0], place: { region: 'astana' } }, astanaReport.facts[1]],
    });
    Object.assign(ids, {
      a: almaty.cases[0]!.caseId,
      b: almaty.cases[1]!.caseId,
      c: astana.cases[0]!.caseId,
      almatyIncident: almaty.incidentId,
      astanaIncident: astana.incidentId,
    });

    const admin = stack.adminSession.accessToken;
    const create = async (body: Record<string, unknown>): Promise<Account> => {
      const response = await fetch(`${stack.console.baseUrl}/v1/admin/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response.status !== 201)
        throw new Error(`cannot create ${JSON.stringify(body)}: ${await response.text()}`);
      return accountFromApi((await response.json()) as Parameters<typeof accountFromApi>[0]);
    };
    const accounts: [Caller, Record<string, unknown>][] = [
      ['hotline', { username: 'hotline.user', role: 'hotline', regions: ['almaty'] }],
      ['officer-almaty', { username: 'officer.almaty', role: 'officer', regions: ['almaty'] }],
      ['officer-astana', { username: 'officer.astana', role: 'officer', regions: ['astana'] }],
      ['legal-one', { username: 'lawyer.one', role: 'legal-aid', organisation: 'legal-one' }],
      ['legal-two', { username: 'lawyer.two', role: 'legal-aid', organisation: 'legal-two' }],
      ['ops', { username: 'ops.user', role: 'ops' }],
    ];
    tokens.set('anonymous', null);
    // A hotline's API key opens intake only; to the console it is no credential at all.
    tokens.set('hotline-key', stack.hotlineKey);
    tokens.set('admin', admin);
    for (const [caller, body] of accounts)
      tokens.set(caller, (await login(stack.console.baseUrl, await create(body))).accessToken);

    // Wait until every case and its alert are projected, then refer case A.
    const alertOf = async (caseId: string) => {
      const view = await getJson(`${stack.console.baseUrl}/v1/cases/${caseId}`, admin);
      return view.status === 200
        ? ((view.body as { alerts: { alertId: string }[] }).alerts[0]?.alertId ?? null)
        : null;
    };
    for (const key of ['a', 'b', 'c'] as const) {
      const alertId = await waitFor(() => alertOf(ids[key]), {
        timeoutMs: 60_000,
        what: `case ${key} with its alert`,
      });
      ids[`alert${key.toUpperCase()}` as 'alertA' | 'alertB' | 'alertC'] = alertId;
    }
    const referred = await fetch(`${stack.console.baseUrl}/v1/cases/${ids.a}/referrals`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.get('officer-almaty')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(referral),
    });
    expect(referred.status).toBe(200);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  // prettier-ignore
  const endpoints: Endpoint[] = [
    //                                                                                         anon hkey hotl o-al o-as l-1  l-2  ops  adm
    { name: 'list cases, almaty', method: 'GET', path: () => '/v1/cases?region=almaty',                expect: [401, 401, 403, 200, 403, 200, 200, 403, 200] },
    { name: 'list cases, astana', method: 'GET', path: () => '/v1/cases?region=astana',                expect: [401, 401, 403, 403, 200, 200, 200, 403, 200] },
    { name: 'case A (almaty, referred)', method: 'GET', path: () => `/v1/cases/${ids.a}`,             expect: [401, 401, 403, 200, 403, 200, 403, 403, 200] },
    { name: 'case B (almaty)', method: 'GET', path: () => `/v1/cases/${ids.b}`,                       expect: [401, 401, 403, 200, 403, 403, 403, 403, 200] },
    { name: 'case C (astana)', method: 'GET', path: () => `/v1/cases/${ids.c}`,                       expect: [401, 401, 403, 403, 200, 403, 403, 403, 200] },
    { name: 'timeline A', method: 'GET', path: () => `/v1/cases/${ids.a}/timeline`,                   expect: [401, 401, 403, 200, 403, 200, 403, 403, 200] },
    { name: 'timeline C', method: 'GET', path: () => `/v1/cases/${ids.c}/timeline`,                   expect: [401, 401, 403, 403, 200, 403, 403, 403, 200] },
    { name: 'identity A', method: 'GET', path: () => `/v1/cases/${ids.a}/identity?purpose=case-work`, expect: [401, 401, 403, 200, 403, 200, 403, 403, 200] },
    { name: 'identity B', method: 'GET', path: () => `/v1/cases/${ids.b}/identity?purpose=case-work`, expect: [401, 401, 403, 200, 403, 403, 403, 403, 200] },
    { name: 'identity C', method: 'GET', path: () => `/v1/cases/${ids.c}/identity?purpose=case-work`, expect: [401, 401, 403, 403, 200, 403, 403, 403, 200] },
    { name: 'refer A', method: 'POST', path: () => `/v1/cases/${ids.a}/referrals`, body: () => referral, expect: [401, 401, 403, 200, 403, 403, 403, 403, 200] },
    { name: 'refer C', method: 'POST', path: () => `/v1/cases/${ids.c}/referrals`, body: () => ({ ...referral, organisation: 'legal-three' }),
                                                                                                       expect: [401, 401, 403, 403, 200, 403, 403, 403, 200] },
    { name: 'incident almaty', method: 'GET', path: () => `/v1/incidents/${ids.almatyIncident}`,      expect: [401, 401, 403, 200, 403, 200, 403, 403, 200] },
    { name: 'incident astana', method: 'GET', path: () => `/v1/incidents/${ids.astanaIncident}`,      expect: [401, 401, 403, 403, 200, 403, 403, 403, 200] },
    { name: 'stats almaty', method: 'GET', path: () => '/v1/stats?region=almaty',                     expect: [401, 401, 403, 200, 403, 403, 403, 200, 200] },
    { name: 'stats astana', method: 'GET', path: () => '/v1/stats?region=astana',                     expect: [401, 401, 403, 403, 200, 403, 403, 200, 200] },
    { name: 'stats national', method: 'GET', path: () => '/v1/stats',                                 expect: [401, 401, 403, 403, 403, 403, 403, 200, 200] },
    { name: 'pipeline', method: 'GET', path: () => '/v1/pipeline',                                    expect: [401, 401, 403, 403, 403, 403, 403, 200, 200] },
    { name: 'alerts', method: 'GET', path: () => '/v1/alerts',                                        expect: [401, 401, 403, 200, 200, 200, 200, 200, 200] },
    { name: 'acknowledge alert B (almaty)', method: 'POST', path: () => `/v1/alerts/${ids.alertB}/acknowledge`,
                                                                                                       expect: [401, 401, 403, 200, 403, 403, 403, 403, 403] },
    { name: 'acknowledge alert A (almaty, referred)', method: 'POST', path: () => `/v1/alerts/${ids.alertA}/acknowledge`,
                                                                                                       expect: [401, 401, 403, 200, 403, 200, 403, 403, 403] },
    { name: 'acknowledge alert C (astana)', method: 'POST', path: () => `/v1/alerts/${ids.alertC}/acknowledge`,
                                                                                                       expect: [401, 401, 403, 403, 200, 403, 403, 403, 403] },
    { name: 'audit log', method: 'GET', path: () => '/v1/audit',                                      expect: [401, 401, 403, 403, 403, 403, 403, 403, 200] },
    { name: 'audit alerts', method: 'GET', path: () => '/v1/audit/alerts',                            expect: [401, 401, 403, 403, 403, 403, 403, 403, 200] },
    { name: 'user accounts', method: 'GET', path: () => '/v1/admin/users',                            expect: [401, 401, 403, 403, 403, 403, 403, 403, 200] },
  ];

  it('answers every caller on every endpoint as the matrix says, with problem+json for each refusal', async () => {
    const actual: Record<string, Record<Caller, number>> = {};
    const expected: Record<string, Record<Caller, number>> = {};
    const notProblem: string[] = [];
    for (const endpoint of endpoints) {
      actual[endpoint.name] = {} as Record<Caller, number>;
      expected[endpoint.name] = {} as Record<Caller, number>;
      for (const [i, caller] of CALLERS.entries()) {
        const token = tokens.get(caller) ?? null;
        const response = await fetch(`${stack.console.baseUrl}${endpoint.path()}`, {
          method: endpoint.method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(endpoint.body ? { 'content-type': 'application/json' } : {}),
          },
          ...(endpoint.body ? { body: JSON.stringify(endpoint.body()) } : {}),
        });
        await response.arrayBuffer();
        actual[endpoint.name]![caller] = response.status;
        expected[endpoint.name]![caller] = endpoint.expect[i]!;
        if (
          response.status >= 400 &&
          !(response.headers.get('content-type') ?? '').includes('application/problem+json')
        ) {
          notProblem.push(`${endpoint.name} as ${caller}`);
        }
      }
    }
    expect(actual).toEqual(expected);
    expect(notProblem).toEqual([]);
  });

  it('narrows what an allowed caller sees: the regions of an officer, the referred cases and fields of a lawyer', async () => {
    const listed = async (caller: Caller, query: string) =>
      (
        (await getJson(`${stack.console.baseUrl}/v1/cases${query}`, tokens.get(caller) ?? null))
          .body as { items: { caseId: string; region: string }[] }
      ).items;
    expect((await listed('officer-almaty', '')).every((c) => c.region === 'almaty')).toBe(true);
    expect((await listed('officer-almaty', '')).length).toBe(5);
    expect((await listed('legal-one', '')).map((c) => c.caseId)).toEqual([ids.a]);
    expect(await listed('legal-two', '')).toEqual([]);
    expect(new Set((await listed('admin', '')).map((c) => c.region))).toEqual(
      new Set(['almaty', 'astana']),
    );

    const asLawyer = (
      await getJson(`${stack.console.baseUrl}/v1/cases/${ids.a}`, tokens.get('legal-one') ?? null)
    ).body as Record<string, unknown>;
    const asAdmin = (
      await getJson(`${stack.console.baseUrl}/v1/cases/${ids.a}`, stack.adminSession.accessToken)
    ).body as {
      state: Record<string, unknown>;
    };
    // Only the referred fields of the state, with the values everyone else sees.
    expect(asLawyer['state']).toEqual({
      custody: asAdmin.state['custody'],
      access: asAdmin.state['access'],
    });
    expect(asLawyer).not.toHaveProperty('urgency');
    expect(asLawyer).not.toHaveProperty('alerts');
    const identity = (
      await getJson(
        `${stack.console.baseUrl}/v1/cases/${ids.a}/identity?purpose=legal-aid`,
        tokens.get('legal-one') ?? null,
      )
    ).body as {
      fields: Record<string, unknown>;
      notes?: unknown;
    };
    expect(Object.keys(identity.fields)).toEqual(['name']);
    expect(identity.notes).toBeUndefined();

    const incident = (
      await getJson(
        `${stack.console.baseUrl}/v1/incidents/${ids.almatyIncident}`,
        tokens.get('legal-one') ?? null,
      )
    ).body as { cases: { caseId: string }[] };
    expect(incident.cases.map((c) => c.caseId)).toEqual([ids.a]);
    const alerts = (
      await getJson(`${stack.console.baseUrl}/v1/alerts`, tokens.get('officer-astana') ?? null)
    ).body as { alerts: { region: string }[] };
    expect(alerts.alerts.length).toBeGreaterThan(0);
    expect(alerts.alerts.every((a) => a.region === 'astana')).toBe(true);
    const ops = (await getJson(`${stack.console.baseUrl}/v1/stats`, tokens.get('ops') ?? null))
      .body;
    expect(JSON.stringify(ops)).not.toMatch(/p_[A-Za-z0-9_-]{16}/);
  });
});
