import { type CaseEvent, CASE_EVENTS_TOPIC, createEvent, type EventData, type EventName, EXAMPLES } from '@beacon/events';
import { createTestDatabase, freePort, requireInfrastructure, startService, uniqueName, waitFor, type ServiceProcess, type TestDatabase } from '@beacon/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { type Kafka } from 'kafkajs';
import { Client } from 'pg';
import { appliedOffsets, beacon, createTopics, deleteTopics, kafkaClient, pastCaseEvents, produceEvents, projectorEnv, query } from './projection-fixtures';
import { consoleSecrets, createAccount, login } from './security-accounts';

interface CaseSummary {
  caseId: string;
  incidentId: string | null;
  personRef: string | null;
  region: string | null;
  urgency: string;
  urgencyReasons: string[];
  state: { custody: string; closed: boolean };
  updatedAt: string;
  eventCount: number;
}
interface Page {
  items: CaseSummary[];
  nextCursor: string | null;
}
interface Problem {
  type: string;
  status: number;
  'invalid-params'?: { name: string; reason: string }[];
}

const HOUR = 3_600_000;

describe('ops-console query API over the case read models', () => {
  const brokers = () => requireInfrastructure('KAFKA_BROKERS');
  const prefix = `${uniqueName('query')}.`;
  const topic = `${prefix}${CASE_EVENTS_TOPIC}`;
  // An admin's access token: admins see every case, in every region.
  let key = '';
  const reader = uniqueName('beacon_reader').toLowerCase();
  const incidentId = randomUUID();
  const raid = [randomUUID(), randomUUID(), randomUUID()];
  const oshCase = randomUUID();
  const closedCase = randomUUID();
  const alertId = randomUUID();
  const t0 = Date.now() - 3 * HOUR;
  let kafka: Kafka;
  let db: TestDatabase;
  let console_: ServiceProcess;
  let projector: ServiceProcess;
  let allEvents: CaseEvent[];

  const fact = <N extends EventName>(name: N, caseId: string, hours: number, region: string, data: Partial<EventData<N>> = {}, incident?: string) => {
    const example = EXAMPLES[name] as CaseEvent<N>;
    const base = example.data as Record<string, unknown>;
    const context = 'context' in base ? { context: { ...(base.context as object), region, personRef: `p_${randomBytes(12).toString('base64url')}` } } : {};
    return createEvent(name, {
      id: randomUUID(),
      caseId,
      time: new Date(t0 + hours * HOUR + 60_000),
      occurredAt: new Date(t0 + hours * HOUR),
      source: example.source,
      ...(incident ? { incidentId: incident } : {}),
      data: { ...base, ...context, ...data } as EventData<N>,
    });
  };

  beforeAll(async () => {
    kafka = kafkaClient(brokers());
    await createTopics(kafka, [{ topic, numPartitions: 3 }]);
    db = await createTestDatabase('beacon_query');
    const known = [
      ...raid.map((c) => fact('detention-reported', c, 0, 'almaty', {}, incidentId)),
      fact('alert-raised', raid[0]!, 0.1, 'almaty', { alertId, incidentId, region: 'almaty', urgency: 'critical', previousUrgency: null }, incidentId),
      fact('notification-sent', raid[0]!, 0.11, 'almaty', { alertId }, incidentId),
      fact('alert-acknowledged', raid[0]!, 0.2, 'almaty', { alertId, by: 'usr_officer_almaty_1', via: 'console' }, incidentId),
      fact('detention-reported', oshCase, 0, 'osh'),
      fact('whereabouts-updated', oshCase, 1, 'osh', { captureAcknowledged: true, locationDisclosed: true }),
      fact('access-status-updated', oshCase, 1.5, 'osh', { family: 'permitted', lawyer: 'permitted', unhcr: 'permitted', ngo: 'permitted' }),
      fact('detention-reported', closedCase, 0, 'bishkek'),
      fact('released', closedCase, 1, 'bishkek'),
      fact('case-closed', closedCase, 2, 'bishkek'),
    ];
    allEvents = [...pastCaseEvents(150, 71), ...known];
    await produceEvents(kafka, topic, allEvents);
    projector = await startService('case-projector', projectorEnv(db.url, brokers(), prefix), await freePort());
    await waitFor(async () => (await appliedOffsets(db.url)) === allEvents.length, { timeoutMs: 60_000, what: 'the projection' });

    // The console reads through a role that may only select the read-model views.
    const admin = new Client({ connectionString: requireInfrastructure('DATABASE_URL') });
    await admin.connect();
    await admin.query(`CREATE ROLE ${reader} LOGIN PASSWORD 'reader-e2e'`);
    // Its own schemas (accounts, audit, referrals) it creates and owns; the case read models it may only read.
    await admin.query(`GRANT CREATE ON DATABASE "${new URL(db.url).pathname.slice(1)}" TO ${reader}`);
    await admin.end();
    const granted = await beacon(['projections', 'grant-reader', reader], projectorEnv(db.url, brokers(), prefix));
    expect(granted.code).toBe(0);
    const readerUrl = new URL(db.url);
    readerUrl.username = reader;
    readerUrl.password = 'reader-e2e';
    const consoleEnv = { DATABASE_URL: readerUrl.toString(), VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`, ...consoleSecrets() };
    console_ = await startService('ops-console', consoleEnv, await freePort());
    key = (await login(console_.baseUrl, createAccount(consoleEnv, 'admin-e2e', 'admin', { regions: ['*'] }))).accessToken;
  });

  afterAll(async () => {
    await Promise.all([console_?.stop(), projector?.stop()]);
    await deleteTopics(kafka, [topic]);
    await db?.drop();
    const admin = new Client({ connectionString: requireInfrastructure('DATABASE_URL') });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${reader}`);
    await admin.end();
  });

  const get = async <T>(path: string, auth: string | null = key) => {
    const response = await fetch(`${console_.baseUrl}${path}`, auth === null ? {} : { headers: { authorization: `Bearer ${auth}` } });
    return { status: response.status, type: response.headers.get('content-type') ?? '', headers: response.headers, body: (await response.json()) as T };
  };
  const allPages = async (filter: string, limit = 25) => {
    const items: CaseSummary[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { body: Page } = await get<Page>(`/v1/cases?limit=${limit}${filter}${cursor ? `&cursor=${cursor}` : ''}`);
      items.push(...page.body.items);
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 100);
    return { items, pages };
  };
  const caseCount = () => new Set(allEvents.map((e) => e.subject)).size;

  it('requires a signed-in user everywhere but health, answering problem+json', async () => {
    for (const path of ['/v1/cases', `/v1/cases/${oshCase}`, `/v1/cases/${oshCase}/timeline`, `/v1/incidents/${incidentId}`, '/v1/stats', '/docs/json']) {
      const anonymous = await get<Problem>(path, null);
      expect([path, anonymous.status, anonymous.type]).toEqual([path, 401, expect.stringContaining('application/problem+json')]);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await get<Problem>(path, 'x'.repeat(40))).status).toBe(401);
    }
    expect((await fetch(`${console_.baseUrl}/health/live`)).status).toBe(200);
  });

  it('pages through every case once, most recently changed first', async () => {
    const { items, pages } = await allPages('');
    expect(pages).toBeGreaterThan(5);
    expect(items).toHaveLength(caseCount());
    expect(new Set(items.map((c) => c.caseId)).size).toBe(items.length);
    const order = items.map((c) => [c.updatedAt, c.caseId].join('|'));
    expect(order).toEqual([...order].sort().reverse());
  });

  it('filters by region, urgency, custody, closed, incident and time of change', async () => {
    const critical = await allPages('&region=almaty&urgency=critical');
    expect(critical.items.map((c) => c.caseId)).toEqual(expect.arrayContaining(raid));
    expect(critical.items.every((c) => c.region === 'almaty' && c.urgency === 'critical')).toBe(true);

    const high = await allPages('&region=osh&urgency=high&custody=detained&closed=false');
    expect(high.items.map((c) => c.caseId)).toContain(oshCase);
    expect(high.items.every((c) => c.region === 'osh' && c.urgency === 'high' && c.state.custody === 'detained' && !c.state.closed)).toBe(true);

    const closed = await allPages('&custody=released,removed&closed=true');
    expect(closed.items.map((c) => c.caseId)).toContain(closedCase);
    expect(closed.items.every((c) => c.state.closed && ['released', 'removed'].includes(c.state.custody))).toBe(true);

    expect((await allPages(`&incidentId=${incidentId}`)).items.map((c) => c.caseId).sort()).toEqual([...raid].sort());
    expect((await allPages(`&updatedSince=${new Date(Date.now() + HOUR).toISOString()}`)).items).toEqual([]);
    expect((await allPages(`&updatedSince=${new Date(t0 - HOUR).toISOString()}`)).items).toHaveLength(caseCount());
  });

  it('names each invalid parameter', async () => {
    const bad = await get<Problem>('/v1/cases?urgency=urgent&limit=0&sort=name');
    expect(bad.status).toBe(400);
    expect(bad.type).toContain('application/problem+json');
    expect(bad.body['invalid-params']?.map((p) => p.name).sort()).toEqual(['/limit', '/sort', '/urgency/0']);
    expect((await get<Problem>('/v1/cases?cursor=bm9wZQ')).body['invalid-params']).toEqual([{ name: 'cursor', reason: expect.any(String) }]);
    expect((await get<Problem>('/v1/cases/not-a-uuid')).body['invalid-params']?.[0]?.name).toBe('/id');
    expect((await get<Problem>(`/v1/cases/${randomUUID()}`)).status).toBe(404);
    expect((await get<Problem>(`/v1/incidents/${randomUUID()}`)).status).toBe(404);
  });

  it('shows a case with its urgency, alerts and timeline, the alerting lifecycle included', async () => {
    const { status, body } = await get<CaseSummary & { alerts: { alertId: string; acknowledgedAt: string | null; acknowledgedBy: string | null; notificationsSent: number }[]; timeline: { name: string }[] }>(
      `/v1/cases/${raid[0]}`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ caseId: raid[0], incidentId, region: 'almaty', urgency: 'critical', state: { custody: 'detained' }, eventCount: 4 });
    expect(body.personRef).toMatch(/^p_/);
    expect(body.alerts).toEqual([expect.objectContaining({ alertId, notificationsSent: 1, acknowledgedBy: 'usr_officer_almaty_1', acknowledgedAt: expect.any(String) })]);
    expect(body.timeline.map((t) => t.name)).toEqual(['detention-reported', 'alert-raised', 'notification-sent', 'alert-acknowledged']);

    const timeline = await get<{ caseId: string; items: unknown[] }>(`/v1/cases/${raid[0]}/timeline`);
    expect(timeline.body).toEqual({ caseId: raid[0], items: body.timeline });
    expect((await get<Problem>(`/v1/cases/${randomUUID()}/timeline`)).status).toBe(404);
  });

  it('shows an incident with its cases, their highest urgency and its alert', async () => {
    const { status, body } = await get<{ incidentId: string; urgency: string; caseCount: number; detainedCases: number; regions: string[]; cases: CaseSummary[]; alerts: { alertId: string }[] }>(
      `/v1/incidents/${incidentId}`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ incidentId, urgency: 'critical', caseCount: 3, detainedCases: 3, regions: ['almaty'] });
    expect(body.cases.map((c) => c.caseId).sort()).toEqual([...raid].sort());
    expect(body.alerts.map((a) => a.alertId)).toEqual([alertId]);
  });

  it('counts cases per region, urgency and custody as the list does', async () => {
    const { body } = await get<{ totalCases: number; openCases: number; byUrgency: Record<string, number>; byCustody: Record<string, number>; byRegion: { region: string | null; byUrgency: Record<string, number> }[] }>(
      '/v1/stats',
    );
    expect(body.totalCases).toBe(caseCount());
    expect(body.openCases).toBe((await allPages('&closed=false', 200)).items.length);
    expect(body.byUrgency.critical).toBe((await allPages('&closed=false&urgency=critical', 200)).items.length);
    expect(body.byCustody.detained).toBe((await allPages('&closed=false&custody=detained', 200)).items.length);
    const almaty = body.byRegion.find((r) => r.region === 'almaty');
    expect(almaty?.byUrgency.critical).toBe((await allPages('&closed=false&urgency=critical&region=almaty', 200)).items.length);
  });

  it('describes itself in OpenAPI at /docs', async () => {
    const { status, body } = await get<{ openapi: string; paths: Record<string, unknown>; components: { securitySchemes: Record<string, unknown> } }>('/docs/json');
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/v1/cases', '/v1/cases/{id}', '/v1/cases/{id}/timeline', '/v1/incidents/{id}', '/v1/stats']),
    );
    expect(Object.keys(body.components.securitySchemes)).toContain('bearer');
    const page = await fetch(`${console_.baseUrl}/docs`, { headers: { authorization: `Bearer ${key}` } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('reads through a role that can neither write nor see the tables behind the views', async () => {
    const url = new URL(db.url);
    url.username = reader;
    url.password = 'reader-e2e';
    expect(await query<{ n: number }>(url.toString(), 'SELECT count(*)::int AS n FROM projection.cases')).toEqual([{ n: caseCount() }]);
    await expect(query(url.toString(), 'SELECT count(*) FROM projection.cases_v1')).rejects.toThrow(/permission denied/);
    await expect(query(url.toString(), `UPDATE projection.cases SET urgency = 'routine'`)).rejects.toThrow(/permission denied/);
    await expect(query(url.toString(), 'DELETE FROM projection.case_timeline')).rejects.toThrow(/permission denied/);
  });
});
