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

const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));
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
    return [
      fact.eventId,
      Date.parse(fact.occurredAt),
      Date.parse(fact.recordedAt),
      ref(fact.name),
      ref(fact.incidentId),
      ref(fact.personRef),
      ref(fact.region),
      ...fields.map(([field, kind]) => (kind === 'time' ? ms(record[field] as string | null) : (record[field] ?? null))),
    ];
  });
  return { v: 1, s: strings, f: tuples };
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
