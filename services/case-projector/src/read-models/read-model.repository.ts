import {
  type CaseState,
  evolveAll,
  initialCaseState,
  restoreCaseState,
  type StoredCaseState,
} from '@beacon/case-domain';
import { type CaseEvent } from '@beacon/events';
import { type PoolClient } from '@beacon/persistence';
import { tableOf } from './read-model-versions.repository';
import {
  type AlertRow,
  alertRows,
  type Column,
  columnsOf,
  caseRow,
  type CaseRow,
  type CountDelta,
  countDeltas,
  type CountKey,
  countKeyOf,
  erasureRows,
  type IdentityRow,
  identityRows,
  textArrayLiteral,
  type TimelineRow,
  timelineRow,
} from './read-model.rows';

export interface PositionedEvent {
  event: CaseEvent;
  partition: number;
  offset: string;
}

/** What a writer knows about a stored case: enough to evolve it and to move its counters. */
export interface StoredCase {
  state: CaseState;
  eventCount: number;
  lastRecordedAt: string | null;
  count: CountKey;
}

/**
 * A cache of stored cases for a writer that alone writes a version's tables (a rebuild); it saves
 * reading back what it wrote. Dropped whole when a transaction fails. It keeps a case's state in
 * its stored form, the one just written: a fraction of the memory of the folded state, and far
 * fewer objects for the collector to trace, for a fold from the facts when the case comes back.
 */
export class StoredCaseCache {
  private readonly entries = new Map<string, Omit<StoredCase, 'state'> & { stored: StoredCaseState }>();

  constructor(private readonly capacity: number) {}

  get(caseId: string): StoredCase | undefined {
    const found = this.entries.get(caseId);
    if (!found) return undefined;
    this.entries.delete(caseId);
    this.entries.set(caseId, found);
    const { stored, ...rest } = found;
    return { ...rest, state: restoreCaseState(caseId, stored) };
  }

  set(caseId: string, value: Omit<StoredCase, 'state'> & { stored: StoredCaseState }): void {
    this.entries.delete(caseId);
    this.entries.set(caseId, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface WriteOutcome {
  /** Events not seen before (by id), now applied. */
  applied: number;
  /** Events whose id the timeline already held: applied before, changed nothing now. */
  duplicates: number;
  cases: number;
}

const UPPER_HEX = /[A-F]/;
// Postgres returns uuids in lower case; ids written in upper case would otherwise not match them.
const lower = (event: CaseEvent): CaseEvent =>
  UPPER_HEX.test(event.id) || UPPER_HEX.test(event.subject)
    ? { ...event, id: event.id.toLowerCase(), subject: event.subject.toLowerCase() }
    : event;
const NORMALISED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const instant = (iso: string) => (NORMALISED_INSTANT.test(iso) ? iso : new Date(iso).toISOString());

const TIMELINE_COLUMNS: readonly Column<TimelineRow>[] = [
  'event_id',
  'case_id',
  'event_type',
  'event_name',
  'occurred_at',
  'recorded_at',
  'summary',
  'partition',
  'offset',
];
const CASE_COLUMNS: readonly Column<CaseRow>[] = [
  'case_id',
  'incident_id',
  'person_ref',
  'region',
  'custody',
  'location_status',
  'access',
  'removal_risk',
  'closed',
  'urgency',
  (r) => textArrayLiteral(r.urgency_reasons),
  { json: (r) => r.state },
  'opened_at',
  'last_occurred_at',
  'last_recorded_at',
  'urgency_review_at',
  'updated_at',
  'event_count',
  'last_partition',
  'last_offset',
];
const ALERT_COLUMNS: readonly Column<AlertRow>[] = [
  'alert_id',
  'case_id',
  'incident_id',
  'region',
  'rule',
  'urgency',
  'previous_urgency',
  'raised_at',
  'tier',
  'notifications_sent',
  'notifications_delivered',
  'notifications_failed',
  'last_notified_at',
  'acknowledged_at',
  'acknowledged_by',
  'acknowledged_via',
  'resolved_at',
  'resolve_reason',
  'updated_at',
];
const ERASURE_COLUMNS: readonly Column<Omit<IdentityRow, 'value'>>[] = [
  'event_id',
  'field',
  'case_id',
  'person_ref',
  'event_name',
  'occurred_at',
  'recorded_at',
];
const IDENTITY_COLUMNS: readonly Column<IdentityRow>[] = [
  ...ERASURE_COLUMNS,
  { json: (r) => r.value },
];
const COUNT_COLUMNS: readonly Column<CountDelta>[] = [
  'partition',
  'region',
  'urgency',
  'custody',
  'closed',
  'cases',
];

/** Order-independent merge of an alert's stored row with what a window adds. */
const ALERT_MERGE = `
  case_id = CASE WHEN EXCLUDED.raised_at IS NOT NULL AND (a.raised_at IS NULL OR EXCLUDED.raised_at < a.raised_at) THEN EXCLUDED.case_id ELSE a.case_id END,
  incident_id = CASE WHEN EXCLUDED.raised_at IS NOT NULL AND (a.raised_at IS NULL OR EXCLUDED.raised_at < a.raised_at) THEN EXCLUDED.incident_id ELSE a.incident_id END,
  region = CASE WHEN EXCLUDED.raised_at IS NOT NULL AND (a.raised_at IS NULL OR EXCLUDED.raised_at < a.raised_at) THEN EXCLUDED.region ELSE a.region END,
  rule = CASE WHEN EXCLUDED.raised_at IS NOT NULL AND (a.raised_at IS NULL OR EXCLUDED.raised_at < a.raised_at) THEN EXCLUDED.rule ELSE a.rule END,
  urgency = CASE WHEN EXCLUDED.raised_at IS NOT NULL AND (a.raised_at IS NULL OR EXCLUDED.raised_at < a.raised_at) THEN EXCLUDED.urgency ELSE a.urgency END,
  previous_urgency = CASE WHEN EXCLUDED.raised_at IS NOT NULL AND (a.raised_at IS NULL OR EXCLUDED.raised_at < a.raised_at) THEN EXCLUDED.previous_urgency ELSE a.previous_urgency END,
  raised_at = LEAST(a.raised_at, EXCLUDED.raised_at),
  tier = GREATEST(a.tier, EXCLUDED.tier),
  notifications_sent = a.notifications_sent + EXCLUDED.notifications_sent,
  notifications_delivered = a.notifications_delivered + EXCLUDED.notifications_delivered,
  notifications_failed = a.notifications_failed + EXCLUDED.notifications_failed,
  last_notified_at = GREATEST(a.last_notified_at, EXCLUDED.last_notified_at),
  acknowledged_by = CASE WHEN EXCLUDED.acknowledged_at IS NOT NULL AND (a.acknowledged_at IS NULL
      OR (EXCLUDED.acknowledged_at, EXCLUDED.acknowledged_by) < (a.acknowledged_at, a.acknowledged_by))
    THEN EXCLUDED.acknowledged_by ELSE a.acknowledged_by END,
  acknowledged_via = CASE WHEN EXCLUDED.acknowledged_at IS NOT NULL AND (a.acknowledged_at IS NULL
      OR (EXCLUDED.acknowledged_at, EXCLUDED.acknowledged_by) < (a.acknowledged_at, a.acknowledged_by))
    THEN EXCLUDED.acknowledged_via ELSE a.acknowledged_via END,
  acknowledged_at = LEAST(a.acknowledged_at, EXCLUDED.acknowledged_at),
  resolve_reason = CASE WHEN EXCLUDED.resolved_at IS NOT NULL AND (a.resolved_at IS NULL OR EXCLUDED.resolved_at < a.resolved_at)
    THEN EXCLUDED.resolve_reason ELSE a.resolve_reason END,
  resolved_at = LEAST(a.resolved_at, EXCLUDED.resolved_at),
  updated_at = EXCLUDED.updated_at`;

/**
 * Writes a window of events into one version of the read models with a fixed number of statements,
 * whatever the window's size: timeline, cases, counters, alerts. The caller owns the transaction
 * (and the checkpoints that go with it). Applying the same events again changes nothing: the
 * timeline's event ids decide what is new.
 */
export class ReadModelRepository {
  async write(
    client: PoolClient,
    version: number,
    items: readonly PositionedEvent[],
    now: Date,
    options: { cache?: StoredCaseCache; lockRows?: boolean } = {},
  ): Promise<WriteOutcome> {
    if (items.length === 0) return { applied: 0, duplicates: 0, cases: 0 };
    const positioned = items.some((i) => lower(i.event) !== i.event)
      ? items.map((i) => ({ ...i, event: lower(i.event) }))
      : items;

    const timeline = positioned.map((p) => timelineRow(p.event, p.partition, p.offset));
    const inserted = await client.query<{ event_id: string }>(
      `INSERT INTO ${tableOf('case_timeline', version)} AS t
         (event_id, case_id, event_type, event_name, occurred_at, recorded_at, summary, partition, "offset")
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[],
         $7::text[], $8::int[], $9::bigint[])
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id`,
      columnsOf(timeline, TIMELINE_COLUMNS),
    );
    const newIds = new Set(inserted.rows.map((r) => r.event_id));
    // A window can hold one event twice (a producer retried); only its first position is new.
    const fresh: PositionedEvent[] = [];
    for (const p of positioned) {
      if (newIds.delete(p.event.id)) fresh.push(p);
    }
    if (fresh.length === 0) return { applied: 0, duplicates: items.length, cases: 0 };

    const byCase = new Map<string, PositionedEvent[]>();
    for (const p of fresh) {
      const list = byCase.get(p.event.subject);
      if (list) list.push(p);
      else byCase.set(p.event.subject, [p]);
    }
    const stored = await this.load(client, version, [...byCase.keys()], options);

    const rows: CaseRow[] = [];
    const moves: { before: CountKey | null; after: CountKey }[] = [];
    for (const [caseId, list] of byCase) {
      const before = stored.get(caseId);
      const state = evolveAll(
        before?.state ?? initialCaseState(caseId),
        list.map((p) => p.event),
      );
      let lastRecordedAt = before?.lastRecordedAt ?? null;
      for (const { event } of list) {
        const recorded = instant(event.time);
        if (lastRecordedAt === null || recorded > lastRecordedAt) lastRecordedAt = recorded;
      }
      const last = list[list.length - 1]!;
      const row = caseRow(state, {
        now,
        eventCount: (before?.eventCount ?? 0) + list.length,
        partition: last.partition,
        offset: last.offset,
        lastRecordedAt,
      });
      rows.push(row);
      const after = countKeyOf(row);
      moves.push({ before: before?.count ?? null, after });
      options.cache?.set(caseId, {
        stored: row.state,
        eventCount: row.event_count,
        lastRecordedAt,
        count: after,
      });
    }
    rows.sort((a, b) => (a.case_id < b.case_id ? -1 : a.case_id > b.case_id ? 1 : 0));

    await client.query(
      `INSERT INTO ${tableOf('cases', version)} AS c (case_id, incident_id, person_ref, region, custody, location_status,
         access, removal_risk, closed, urgency, urgency_reasons, state, opened_at, last_occurred_at, last_recorded_at,
         urgency_review_at, updated_at, event_count, last_partition, last_offset)
       SELECT case_id, incident_id, person_ref, region, custody, location_status, access, removal_risk, closed, urgency,
         urgency_reasons::text[], state, opened_at, last_occurred_at, last_recorded_at, urgency_review_at, updated_at,
         event_count, last_partition, last_offset
       FROM ROWS FROM (unnest($1::uuid[]), unnest($2::uuid[]), unnest($3::text[]), unnest($4::text[]),
         unnest($5::text[]), unnest($6::text[]), unnest($7::text[]), unnest($8::text[]), unnest($9::boolean[]),
         unnest($10::text[]), unnest($11::text[]), jsonb_array_elements($12::jsonb), unnest($13::timestamptz[]),
         unnest($14::timestamptz[]), unnest($15::timestamptz[]), unnest($16::timestamptz[]), unnest($17::timestamptz[]),
         unnest($18::int[]), unnest($19::int[]), unnest($20::bigint[]))
         AS u(case_id, incident_id, person_ref, region, custody, location_status, access, removal_risk, closed, urgency,
         urgency_reasons, state, opened_at, last_occurred_at, last_recorded_at, urgency_review_at, updated_at,
         event_count, last_partition, last_offset)
       ON CONFLICT (case_id) DO UPDATE SET incident_id = EXCLUDED.incident_id, person_ref = EXCLUDED.person_ref,
         region = EXCLUDED.region, custody = EXCLUDED.custody, location_status = EXCLUDED.location_status,
         access = EXCLUDED.access, removal_risk = EXCLUDED.removal_risk, closed = EXCLUDED.closed,
         urgency = EXCLUDED.urgency, urgency_reasons = EXCLUDED.urgency_reasons, state = EXCLUDED.state,
         opened_at = EXCLUDED.opened_at, last_occurred_at = EXCLUDED.last_occurred_at,
         last_recorded_at = EXCLUDED.last_recorded_at, urgency_review_at = EXCLUDED.urgency_review_at,
         updated_at = EXCLUDED.updated_at, event_count = EXCLUDED.event_count,
         last_partition = EXCLUDED.last_partition, last_offset = EXCLUDED.last_offset`,
      columnsOf(rows, CASE_COLUMNS),
    );
    await this.addCounts(client, version, countDeltas(moves));

    const alerts = alertRows(
      fresh.map((p) => p.event),
      now,
    );
    if (alerts.length > 0) {
      await client.query(
        `INSERT INTO ${tableOf('alerts', version)} AS a (alert_id, case_id, incident_id, region, rule, urgency,
           previous_urgency, raised_at, tier, notifications_sent, notifications_delivered, notifications_failed,
           last_notified_at, acknowledged_at, acknowledged_by, acknowledged_via, resolved_at, resolve_reason, updated_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
           $8::timestamptz[], $9::int[], $10::int[], $11::int[], $12::int[], $13::timestamptz[], $14::timestamptz[],
           $15::text[], $16::text[], $17::timestamptz[], $18::text[], $19::timestamptz[])
         ON CONFLICT (alert_id) DO UPDATE SET ${ALERT_MERGE}`,
        columnsOf(alerts, ALERT_COLUMNS),
      );
    }
    await this.writeIdentities(
      client,
      version,
      fresh.map((p) => p.event),
    );
    return { applied: fresh.length, duplicates: items.length - fresh.length, cases: rows.length };
  }

  /**
   * Keeps the sealed identity values as they arrived, and deletes a person's values when an
   * erasure arrives, leaving one marker row per erasure. Values of an erased person are never
   * stored again, whichever window they arrive in, so a replay ends in the same rows.
   */
  private async writeIdentities(
    client: PoolClient,
    version: number,
    events: readonly CaseEvent[],
  ): Promise<void> {
    const table = tableOf('case_identity', version);
    const erasures = erasureRows(events);
    const erased = new Set(erasures.map((e) => e.person_ref));
    const sealed = identityRows(events).filter((r) => !erased.has(r.person_ref));
    if (sealed.length > 0) {
      await client.query(
        `INSERT INTO ${table} AS i (event_id, field, case_id, person_ref, event_name, occurred_at, recorded_at, value)
         SELECT v.event_id, v.field, v.case_id, v.person_ref, v.event_name, v.occurred_at, v.recorded_at, v.value
         FROM ROWS FROM (unnest($1::uuid[]), unnest($2::text[]), unnest($3::uuid[]), unnest($4::text[]),
           unnest($5::text[]), unnest($6::timestamptz[]), unnest($7::timestamptz[]), jsonb_array_elements($8::jsonb))
           AS v(event_id, field, case_id, person_ref, event_name, occurred_at, recorded_at, value)
         WHERE NOT EXISTS (SELECT 1 FROM ${table} e WHERE e.person_ref = v.person_ref AND e.erased_at IS NOT NULL)
         ON CONFLICT (event_id, field) DO NOTHING`,
        columnsOf(sealed, IDENTITY_COLUMNS),
      );
    }
    if (erasures.length === 0) return;
    await client.query(
      `INSERT INTO ${table} (event_id, field, case_id, person_ref, event_name, occurred_at, recorded_at, value, erased_at)
       SELECT v.event_id, v.field, v.case_id, v.person_ref, v.event_name, v.occurred_at, v.recorded_at, NULL, v.recorded_at
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[])
         AS v(event_id, field, case_id, person_ref, event_name, occurred_at, recorded_at)
       ON CONFLICT (event_id, field) DO NOTHING`,
      columnsOf(erasures, ERASURE_COLUMNS),
    );
    await client.query(
      `DELETE FROM ${table} WHERE person_ref = ANY($1::text[]) AND erased_at IS NULL`,
      [[...erased]],
    );
  }

  /** Adds signed deltas to the per-partition counters, in key order. */
  async addCounts(
    client: PoolClient,
    version: number,
    deltas: readonly CountDelta[],
  ): Promise<void> {
    if (deltas.length === 0) return;
    await client.query(
      `INSERT INTO ${tableOf('case_count_parts', version)} AS p (partition, region, urgency, custody, closed, cases)
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::int[])
       ON CONFLICT (partition, region, urgency, custody, closed) DO UPDATE SET cases = p.cases + EXCLUDED.cases`,
      columnsOf(deltas, COUNT_COLUMNS),
    );
  }

  private async load(
    client: PoolClient,
    version: number,
    caseIds: string[],
    options: { cache?: StoredCaseCache; lockRows?: boolean },
  ): Promise<Map<string, StoredCase>> {
    const found = new Map<string, StoredCase>();
    const missing: string[] = [];
    for (const id of caseIds) {
      const cached = options.cache?.get(id);
      if (cached) found.set(id, cached);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    missing.sort();
    const { rows } = await client.query<{
      case_id: string;
      state: StoredCaseState | CaseState;
      event_count: number;
      last_recorded_at: Date | null;
      region: string | null;
      urgency: string;
      custody: string;
      closed: boolean;
      last_partition: number;
    }>(
      `SELECT case_id, state, event_count, last_recorded_at, region, urgency, custody, closed, last_partition
       FROM ${tableOf('cases', version)} WHERE case_id = ANY($1::uuid[]) ORDER BY case_id
       ${options.lockRows === false ? '' : 'FOR UPDATE'}`,
      [missing],
    );
    for (const r of rows) {
      found.set(r.case_id, {
        state: restoreCaseState(r.case_id, r.state),
        eventCount: r.event_count,
        lastRecordedAt: r.last_recorded_at?.toISOString() ?? null,
        count: countKeyOf(r),
      });
    }
    return found;
  }
}
