import { type CaseFact, type CaseState, type FactName } from './case-state';
import { stateFromFacts } from './evolve';

/**
 * A case state as a projection stores it: only the facts (everything else is derived from them),
 * as tuples with times in epoch milliseconds and repeated strings interned. About a third of the
 * size of the state as JSON, which is what a rebuild writes for every case.
 */
export interface StoredCaseState {
  v: 1;
  /** Interned strings: fact names, incident ids, person references, regions. */
  s: string[];
  /** [eventId, occurredAt ms, recordedAt ms, name, incident, person, region, ...fields] with indexes into `s` (-1: null). */
  f: (string | number | boolean | null)[][];
}

type Kind = 'time' | 'value';
type FieldsOf<N extends FactName> = Exclude<keyof Extract<CaseFact, { name: N }>, keyof CaseFact | 'name'>;

// The order of fields within each tuple; append only, so stored states stay readable.
const FIELDS: { readonly [N in FactName]: readonly (readonly [FieldsOf<N>, Kind])[] } = {
  'report-received': [],
  'person-identified': [],
  'detention-reported': [],
  'whereabouts-updated': [['location', 'value']],
  'access-status-updated': [
    ['family', 'value'],
    ['lawyer', 'value'],
    ['unhcr', 'value'],
    ['ngo', 'value'],
    ['lastConfirmedContactAt', 'time'],
  ],
  'ill-treatment-reported': [],
  'legal-proceeding-updated': [
    ['counsel', 'value'],
    ['hearingStated', 'value'],
    ['hearingAt', 'time'],
  ],
  'removal-threat-reported': [
    ['stage', 'value'],
    ['toOrigin', 'value'],
    ['scheduledAt', 'time'],
  ],
  transferred: [
    ['towardsBorder', 'value'],
    ['locationKnown', 'value'],
  ],
  'intervention-logged': [],
  released: [],
  removed: [],
  'contact-lost': [['hours', 'value']],
  'case-closed': [],
  'case-reopened': [],
  'record-corrected': [['corrects', 'value']],
  'record-erased': [],
};

const ms = (iso: string | null) => (iso === null ? null : epochMs(iso));
const iso = (value: unknown) => (typeof value === 'number' ? new Date(value).toISOString() : null);

export function storeCaseState(state: CaseState): StoredCaseState {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const ref = (value: string | null) => {
    if (value === null) return -1;
    let at = index.get(value);
    if (at === undefined) {
      at = strings.push(value) - 1;
      index.set(value, at);
    }
    return at;
  };
  const tuples = state.facts.map((fact) => {
    const fields = FIELDS[fact.name] as readonly (readonly [string, Kind])[];
    const record = fact as unknown as Record<string, string | number | boolean | null>;
    const tuple: (string | number | boolean | null)[] = [
      fact.eventId,
      epochMs(fact.occurredAt),
      epochMs(fact.recordedAt),
      ref(fact.name),
      ref(fact.incidentId),
      ref(fact.personRef),
      ref(fact.region),
    ];
    for (const [field, kind] of fields) tuple.push(kind === 'time' ? ms(record[field] as string | null) : (record[field] ?? null));
    return tuple;
  });
  return { v: 1, s: strings, f: tuples };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(iso: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = iso.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Date.parse for the instants facts hold, which are normalised to `Date#toISOString()` form
 * (`2009-03-11T18:00:00.000Z`), read field by field: several times faster, and every stored state
 * converts each of its facts' times. Anything else, or a date Date.UTC would read differently
 * (years below 100, impossible days), is left to Date.parse.
 */
export function epochMs(iso: string): number {
  if (iso.length === 24 && iso[4] === '-' && iso[7] === '-' && iso[10] === 'T' && iso[13] === ':' && iso[16] === ':' && iso[19] === '.' && iso[23] === 'Z') {
    const year = digits(iso, 0, 4);
    const month = digits(iso, 5, 2);
    const day = digits(iso, 8, 2);
    const hour = digits(iso, 11, 2);
    const minute = digits(iso, 14, 2);
    const second = digits(iso, 17, 2);
    const milli = digits(iso, 20, 3);
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const daysInMonth = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
    if (year >= 100 && day >= 1 && day <= daysInMonth && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && milli >= 0) {
      return Date.UTC(year, month - 1, day, hour, minute, second, milli);
    }
  }
  return Date.parse(iso);
}

function isStored(value: unknown): value is StoredCaseState {
  return typeof value === 'object' && value !== null && (value as { v?: unknown }).v === 1 && Array.isArray((value as { f?: unknown }).f);
}

/** The state a stored form derives; also reads a state stored whole (as earlier versions did). */
export function restoreCaseState(caseId: string, stored: StoredCaseState | CaseState): CaseState {
  if (!isStored(stored)) return stateFromFacts(caseId, stored.facts);
  const str = (at: unknown) => (typeof at === 'number' && at >= 0 ? (stored.s[at] ?? null) : null);
  const facts = stored.f.map((tuple) => {
    const [eventId, occurred, recorded, name, incident, person, region, ...values] = tuple;
    const factName = str(name) as FactName;
    const fields = FIELDS[factName] as readonly (readonly [string, Kind])[] | undefined;
    if (fields === undefined) throw new Error(`stored case state of ${caseId} has an unknown fact "${String(factName)}"`);
    const fact: Record<string, unknown> = {
      eventId,
      occurredAt: iso(occurred),
      recordedAt: iso(recorded),
      incidentId: str(incident),
      personRef: str(person),
      region: str(region),
      name: factName,
    };
    fields.forEach(([field, kind], i) => {
      fact[field] = kind === 'time' ? iso(values[i]) : (values[i] ?? null);
    });
    return fact as unknown as CaseFact;
  });
  return stateFromFacts(caseId, facts);
}
