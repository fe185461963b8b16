import { foldCase, syntheticCaseEvents } from '@beacon/case-domain';
import { type CaseEvent, encodeForKafka } from '@beacon/events';
import { type IncomingRecord } from '@beacon/kafka';
import { type Pool } from '@beacon/persistence';

/** A record as the consumer receives it: what the relay produced, at a position. */
export function recordOf(
  event: CaseEvent,
  topic: string,
  partition: number,
  offset: number,
): IncomingRecord {
  const { key, value, headers } = encodeForKafka(event);
  return {
    topic,
    partition,
    offset: String(offset),
    key: Buffer.from(key),
    value: Buffer.from(value),
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
    timestamp: '0',
  };
}

/** Histories far enough in the past that no urgency rule still depends on the clock. */
export function pastCaseEvents(cases: number, seed: number, maxEvents?: number): CaseEvent[] {
  return [
    ...syntheticCaseEvents({
      cases,
      seed,
      start: new Date(Date.now() - 120 * 86_400_000),
      spanDays: 20,
      ...(maxEvents === undefined ? {} : { maxEvents }),
    }),
  ];
}

export function foldAll(events: readonly CaseEvent[]) {
  const byCase = new Map<string, CaseEvent[]>();
  for (const e of events) byCase.set(e.subject, [...(byCase.get(e.subject) ?? []), e]);
  return new Map([...byCase].map(([id, list]) => [id, foldCase(id, list)]));
}

/**
 * Everything the read models of a version say, without when rows were written: two projections
 * of the same events must give the same snapshot.
 */
export async function snapshot(pool: Pool, version?: number) {
  const t = (name: string) =>
    version === undefined ? `projection.${name}` : `projection.${name}_v${version}`;
  const cases = await pool.query(
    `SELECT case_id, incident_id, person_ref, region, custody, location_status, access, removal_risk, closed, urgency,
            urgency_reasons, state, opened_at, last_occurred_at, last_recorded_at, urgency_review_at, event_count
     FROM ${t('cases')} ORDER BY case_id`,
  );
  const timeline = await pool.query(
    `SELECT event_id, case_id, event_type, event_name, occurred_at, recorded_at, summary, partition, "offset"
     FROM ${t('case_timeline')} ORDER BY event_id`,
  );
  const alerts = await pool.query(`SELECT * FROM ${t('alerts')} ORDER BY alert_id`);
  const counts = await pool.query(
    `SELECT region, urgency, custody, closed, sum(cases)::int AS cases FROM ${t('case_count_parts')}
     GROUP BY 1, 2, 3, 4 HAVING sum(cases) <> 0 ORDER BY 1, 2, 3, 4`,
  );
  const identity = await pool.query(
    `SELECT event_id, field, case_id, person_ref, event_name, occurred_at, recorded_at, value, erased_at
     FROM ${t('case_identity')} ORDER BY event_id, field`,
  );
  return {
    cases: cases.rows,
    timeline: timeline.rows,
    identity: identity.rows,
    alerts: alerts.rows.map((row: Record<string, unknown>) => ({ ...row, updated_at: undefined })),
    counts: counts.rows,
  };
}

/** The counters, recomputed from the cases themselves. */
export async function countsFromCases(pool: Pool, version?: number) {
  const table = version === undefined ? 'projection.cases' : `projection.cases_v${version}`;
  const { rows } = await pool.query<{
    region: string;
    urgency: string;
    custody: string;
    closed: boolean;
    cases: number;
  }>(
    `SELECT coalesce(region, '') AS region, urgency, custody, closed, count(*)::int AS cases FROM ${table}
     GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
  );
  return rows;
}
