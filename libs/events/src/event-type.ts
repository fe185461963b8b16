import { type EventName, isEventName } from './event-names';

export type EventType = `org.beacon.${EventName}.v${number}`;

/** The version producers write today; consumers upcast anything older to it. */
export const CURRENT_VERSIONS: { readonly [N in EventName]: number } = {
  'report-received': 1,
  'person-identified': 1,
  'detention-reported': 2,
  'whereabouts-updated': 1,
  'access-status-updated': 1,
  'ill-treatment-reported': 1,
  'legal-proceeding-updated': 1,
  'removal-threat-reported': 1,
  transferred: 1,
  'intervention-logged': 1,
  released: 1,
  removed: 1,
  'contact-lost': 1,
  'case-closed': 1,
  'case-reopened': 1,
  'record-corrected': 1,
  'record-erased': 1,
  'alert-raised': 1,
  'notification-sent': 1,
  'notification-delivered': 1,
  'notification-failed': 1,
  'alert-escalated': 1,
  'alert-acknowledged': 1,
  'alert-resolved': 1,
};

const TYPE_PATTERN = /^org\.beacon\.([a-z]+(?:-[a-z]+)*)\.v(0|[1-9][0-9]{0,5})$/;

/** One string per current type, shared by every event that has it. */
const CURRENT_TYPES = new Map<EventName, EventType>();

export function eventTypeOf(name: EventName, version: number = CURRENT_VERSIONS[name]): EventType {
  if (version !== CURRENT_VERSIONS[name]) return `org.beacon.${name}.v${version}`;
  let type = CURRENT_TYPES.get(name);
  if (type === undefined) {
    type = `org.beacon.${name}.v${version}`;
    CURRENT_TYPES.set(name, type);
  }
  return type;
}

/** Types seen before: every consumed event is parsed several times over, and there are few types. */
const parsed = new Map<string, { readonly name: EventName; readonly version: number }>();
const PARSED_TYPES_KEPT = 1_000;

export function parseEventType(type: string): { name: EventName; version: number } | null {
  const known = parsed.get(type);
  if (known !== undefined) return { name: known.name, version: known.version };
  const match = TYPE_PATTERN.exec(type);
  const name = match?.[1];
  const version = match?.[2];
  if (name === undefined || version === undefined || !isEventName(name)) return null;
  // Bounded: types are whatever a record claims, and only the valid ones are kept.
  if (parsed.size < PARSED_TYPES_KEPT) parsed.set(type, { name, version: Number(version) });
  return { name, version: Number(version) };
}
