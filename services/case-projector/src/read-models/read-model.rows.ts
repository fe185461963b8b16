import {
  assessUrgency,
  type CaseState,
  storeCaseState,
  type StoredCaseState,
  timelineEntry,
  urgencyReviewAt,
} from '@beacon/case-domain';
import { type CaseEvent, type EncryptedValue, nameEvent } from '@beacon/events';

/** The dashboard dimensions a case is counted under. */
export interface CountKey {
  partition: number;
  region: string;
  urgency: string;
  custody: string;
  closed: boolean;
}

export interface CountDelta extends CountKey {
  cases: number;
}

const keyString = (k: CountKey) =>
  `${k.partition}\u0000${k.region}\u0000${k.urgency}\u0000${k.custody}\u0000${k.closed}`;

/**
 * Net change of the per-partition counters when cases move from `before` (null: new case) to
 * `after`, with unchanged keys left out, sorted so that concurrent writers lock counter rows in
 * the same order.
 */
export function countDeltas(
  changes: readonly { before: CountKey | null; after: CountKey }[],
): CountDelta[] {
  const net = new Map<string, CountDelta>();
  const add = (key: CountKey, by: number) => {
    const id = keyString(key);
    const existing = net.get(id);
    if (existing) existing.cases += by;
    else net.set(id, { ...key, cases: by });
  };
  for (const { before, after } of changes) {
    if (before !== null && keyString(before) === keyString(after)) continue;
    if (before !== null) add(before, -1);
    add(after, 1);
  }
  return [...net.entries()]
    .filter(([, d]) => d.cases !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, d]) => d);
}

/** One row of the cases read model, as json_to_recordset reads it. */
export interface CaseRow {
  case_id: string;
  incident_id: string | null;
  person_ref: string | null;
  region: string | null;
  custody: string;
  location_status: string;
  access: string;
  removal_risk: string;
  closed: boolean;
  urgency: string;
  urgency_reasons: string[];
  state: StoredCaseState;
  opened_at: string | null;
  last_occurred_at: string | null;
  last_recorded_at: string | null;
  urgency_review_at: string | null;
  updated_at: string;
  event_count: number;
  last_partition: number;
  last_offset: string;
}

export function caseRow(
  state: CaseState,
  at: {
    now: Date;
    eventCount: number;
    partition: number;
    offset: string;
    lastRecordedAt: string | null;
  },
): CaseRow {
  const { urgency, reasons } = assessUrgency(state, at.now);
  return {
    case_id: state.caseId,
    incident_id: state.incidentId,
    person_ref: state.personRef,
    region: state.region,
    custody: state.custody,
    location_status: state.locationStatus,
    access: state.access,
    removal_risk: state.removalRisk,
    closed: state.closed,
    urgency,
    urgency_reasons: reasons,
    state: storeCaseState(state),
    opened_at: state.openedAt,
    last_occurred_at: state.lastOccurredAt,
    last_recorded_at: at.lastRecordedAt,
    urgency_review_at: urgencyReviewAt(state, at.now)?.toISOString() ?? null,
    updated_at: at.now.toISOString(),
    event_count: at.eventCount,
    last_partition: at.partition,
    last_offset: at.offset,
  };
}

export function countKeyOf(
  row: Pick<CaseRow, 'region' | 'urgency' | 'custody' | 'closed' | 'last_partition'>,
): CountKey {
  return {
    partition: row.last_partition,
    region: row.region ?? '',
    urgency: row.urgency,
    custody: row.custody,
    closed: row.closed,
  };
}

export interface TimelineRow {
  event_id: string;
  case_id: string;
  event_type: string;
  event_name: string;
  occurred_at: string;
  recorded_at: string;
  summary: string;
  partition: number;
  offset: string;
}

export function timelineRow(event: CaseEvent, partition: number, offset: string): TimelineRow {
  const entry = timelineEntry(event);
  return {
    event_id: entry.eventId,
    case_id: event.subject,
    event_type: entry.type,
    event_name: entry.name,
    occurred_at: entry.occurredAt,
    recorded_at: entry.recordedAt,
    summary: entry.summary,
    partition,
    offset,
  };
}

/**
 * What a window's new lifecycle events say about one alert. Merged with the stored row by
 * first/last/greatest and sums, so the result does not depend on the order events arrive in.
 */
export interface AlertRow {
  alert_id: string;
  case_id: string;
  incident_id: string | null;
  region: string | null;
  rule: string | null;
  urgency: string | null;
  previous_urgency: string | null;
  raised_at: string | null;
  tier: number;
  notifications_sent: number;
  notifications_delivered: number;
  notifications_failed: number;
  last_notified_at: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  acknowledged_via: string | null;
  resolved_at: string | null;
  resolve_reason: string | null;
  updated_at: string;
}

// What Date#toISOString() writes: validated instants in this form need no round trip through Date.
const NORMALISED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const instant = (iso: string) => (NORMALISED_INSTANT.test(iso) ? iso : new Date(iso).toISOString());

const later = (a: string | null, b: string | null) =>
  a === null ? b : b === null ? a : a >= b ? a : b;

const isLifecycle = (type: string) =>
  type.startsWith('org.beacon.alert-') || type.startsWith('org.beacon.notification-');

/** Folds new alerting lifecycle events into one row per alert; other events are ignored. */
export function alertRows(events: readonly CaseEvent[], now: Date): AlertRow[] {
  const rows = new Map<string, AlertRow>();
  const rowFor = (alertId: string, event: CaseEvent): AlertRow => {
    let row = rows.get(alertId);
    if (!row) {
      row = {
        alert_id: alertId,
        case_id: event.subject,
        incident_id: null,
        region: null,
        rule: null,
        urgency: null,
        previous_urgency: null,
        raised_at: null,
        tier: 0,
        notifications_sent: 0,
        notifications_delivered: 0,
        notifications_failed: 0,
        last_notified_at: null,
        acknowledged_at: null,
        acknowledged_by: null,
        acknowledged_via: null,
        resolved_at: null,
        resolve_reason: null,
        updated_at: now.toISOString(),
      };
      rows.set(alertId, row);
    }
    return row;
  };
  for (const event of events) {
    if (!isLifecycle(event.type)) continue;
    const at = instant(event.occurredat);
    const named = nameEvent(event);
    switch (named.name) {
      case 'alert-raised': {
        const { data } = named.event;
        const row = rowFor(data.alertId, event);
        // Two raises of one alert id would be a producer bug; the earliest one counts, on every replay alike.
        if (row.raised_at === null || at < row.raised_at) {
          Object.assign(row, {
            case_id: event.subject,
            incident_id: data.incidentId ?? event.incidentid ?? null,
            region: data.region,
            rule: data.rule,
            urgency: data.urgency,
            previous_urgency: data.previousUrgency,
            raised_at: at,
          });
        }
        break;
      }
      case 'notification-sent': {
        const row = rowFor(named.event.data.alertId, event);
        row.notifications_sent += 1;
        row.tier = Math.max(row.tier, named.event.data.tier);
        row.last_notified_at = later(row.last_notified_at, at);
        break;
      }
      case 'notification-delivered':
        rowFor(named.event.data.alertId, event).notifications_delivered += 1;
        break;
      case 'notification-failed':
        rowFor(named.event.data.alertId, event).notifications_failed += 1;
        break;
      case 'alert-escalated': {
        const row = rowFor(named.event.data.alertId, event);
        row.tier = Math.max(row.tier, named.event.data.toTier);
        break;
      }
      case 'alert-acknowledged': {
        const { data } = named.event;
        const row = rowFor(data.alertId, event);
        if (
          row.acknowledged_at === null ||
          at < row.acknowledged_at ||
          (at === row.acknowledged_at && data.by < (row.acknowledged_by ?? ''))
        ) {
          Object.assign(row, {
            acknowledged_at: at,
            acknowledged_by: data.by,
            acknowledged_via: data.via,
          });
        }
        break;
      }
      case 'alert-resolved': {
        const { data } = named.event;
        const row = rowFor(data.alertId, event);
        if (row.resolved_at === null || at < row.resolved_at)
          Object.assign(row, { resolved_at: at, resolve_reason: data.reason });
        break;
      }
      case 'report-received':
      case 'person-identified':
      case 'detention-reported':
      case 'whereabouts-updated':
      case 'access-status-updated':
      case 'ill-treatment-reported':
      case 'legal-proceeding-updated':
      case 'removal-threat-reported':
      case 'transferred':
      case 'intervention-logged':
      case 'released':
      case 'removed':
      case 'contact-lost':
      case 'case-closed':
      case 'case-reopened':
      case 'record-corrected':
      case 'record-erased':
        break;
    }
  }
  return [...rows.values()].sort((a, b) =>
    a.alert_id < b.alert_id ? -1 : a.alert_id > b.alert_id ? 1 : 0,
  );
}

/** The identifying fields events carry sealed, as the catalogue names them. */
const SEALED_FIELDS = ['name', 'dateOfBirth', 'registrationNumber', 'phone', 'notes'] as const;

/** One sealed value of the case identity read model: ciphertext as it arrived, never opened here. */
export interface IdentityRow {
  event_id: string;
  field: string;
  case_id: string;
  person_ref: string;
  event_name: string;
  occurred_at: string;
  recorded_at: string;
  value: EncryptedValue;
}

function isSealed(value: unknown): value is EncryptedValue {
  return (
    typeof value === 'object' && value !== null && (value as { alg?: unknown }).alg === 'A256GCM'
  );
}

/** Every sealed value the events carry (identity fields, notes), one row per event and field. */
export function identityRows(events: readonly CaseEvent[]): IdentityRow[] {
  const rows: IdentityRow[] = [];
  for (const event of events) {
    const data = event.data as Record<string, unknown>;
    const personRef = (data.context as { personRef?: unknown } | undefined)?.personRef;
    if (typeof personRef !== 'string') continue;
    // Worked out once per event, and only for events that carry a sealed value.
    let common: Omit<IdentityRow, 'field' | 'value'> | null = null;
    for (const field of SEALED_FIELDS) {
      const value = data[field];
      if (!isSealed(value)) continue;
      common ??= {
        event_id: event.id,
        case_id: event.subject,
        person_ref: personRef,
        event_name: nameEvent(event).name,
        occurred_at: instant(event.occurredat),
        recorded_at: instant(event.time),
      };
      rows.push({ ...common, field, value });
    }
  }
  return rows;
}

/** The erasures among the events: whose values to blank, and the event that said so. */
export function erasureRows(events: readonly CaseEvent[]): Omit<IdentityRow, 'value'>[] {
  const rows: Omit<IdentityRow, 'value'>[] = [];
  for (const event of events) {
    if (!event.type.startsWith('org.beacon.record-erased.')) continue;
    const named = nameEvent(event);
    if (named.name !== 'record-erased') continue;
    rows.push({
      event_id: event.id,
      field: 'erasure',
      case_id: event.subject,
      person_ref: named.event.data.personRef,
      event_name: named.name,
      occurred_at: instant(event.occurredat),
      recorded_at: instant(event.time),
    });
  }
  return rows;
}

/** A column's value in each row; `json` columns travel as one JSON array, read by jsonb_array_elements(). */
export type Column<R> =
  keyof R | ((row: R) => string | number | boolean | null) | { json: (row: R) => unknown };

type Scalar = string | number | boolean | null | undefined;

const ESCAPED = /["\\]/g;

/** One element of an array literal, always quoted: no value can then be read as NULL or split. */
function element(value: Scalar): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value !== 'string') return String(value);
  return value.includes('"') || value.includes('\\')
    ? `"${value.replace(ESCAPED, '\\$&')}"`
    : `"${value}"`;
}

/**
 * Rows as one parameter per column, for `ROWS FROM (unnest($1::uuid[]), …)`: Postgres reads typed
 * arrays several times faster than the same rows as JSON records, and pg's own array encoding
 * costs more than building the literals here. JSON values go as one JSON array instead: inside an
 * array literal every quote in them would have to be escaped, and unescaped again.
 */
export function columnsOf<R>(rows: readonly R[], columns: readonly Column<R>[]): string[] {
  return columns.map((column) => {
    if (typeof column === 'object') {
      const documents = new Array<unknown>(rows.length);
      for (let r = 0; r < rows.length; r++) documents[r] = column.json(rows[r]!);
      return JSON.stringify(documents);
    }
    const values = new Array<Scalar>(rows.length);
    let textOnly = true;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      const value = (typeof column === 'function' ? column(row) : row[column]) as Scalar;
      if (value !== null && value !== undefined && typeof value !== 'string') textOnly = false;
      values[r] = value;
    }
    if (textOnly) {
      // Strings and nulls as JSON are already an array literal's quoted elements and bare NULLs,
      // unless JSON had to escape something (a quote, a backslash, a control character).
      const json = JSON.stringify(values);
      if (!json.includes('\\')) return `{${json.slice(1, -1)}}`;
    }
    return `{${values.map(element).join(',')}}`;
  });
}

/** A text[] literal, so that rows of differing lengths can travel in one unnest() column. */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map(element).join(',')}}`;
}
