export const CASE_EVENTS_TOPIC = 'beacon.case-events.v1';
export const CASE_EVENTS_DLQ_TOPIC = 'beacon.case-events.dlq.v1';

const REPORTED = [
  'report-received',
  'person-identified',
  'detention-reported',
  'whereabouts-updated',
  'access-status-updated',
  'ill-treatment-reported',
  'legal-proceeding-updated',
  'removal-threat-reported',
  'transferred',
  'intervention-logged',
  'released',
  'removed',
  'case-closed',
  'case-reopened',
  'record-corrected',
  'record-erased',
] as const;

const SYSTEM = ['contact-lost'] as const;

const LIFECYCLE = [
  'alert-raised',
  'notification-sent',
  'notification-delivered',
  'notification-failed',
  'alert-escalated',
  'alert-acknowledged',
  'alert-resolved',
] as const;

/** Facts a hotline (or a partner API) may post. */
export type ReportedEventName = (typeof REPORTED)[number];
/** Facts Beacon raises itself from the passage of time. */
export type SystemEventName = (typeof SYSTEM)[number];
/** Side effects of alerting, recorded on the case topic for accountability. */
export type LifecycleEventName = (typeof LIFECYCLE)[number];
export type EventName = ReportedEventName | SystemEventName | LifecycleEventName;

export const REPORTED_EVENT_NAMES: readonly ReportedEventName[] = REPORTED;
export const LIFECYCLE_EVENT_NAMES: readonly LifecycleEventName[] = LIFECYCLE;
export const EVENT_NAMES: readonly EventName[] = [
  ...REPORTED.slice(0, 12),
  ...SYSTEM,
  ...REPORTED.slice(12),
  ...LIFECYCLE,
];

const reported: ReadonlySet<string> = new Set(REPORTED);
const known: ReadonlySet<string> = new Set(EVENT_NAMES);

export function isEventName(value: string): value is EventName {
  return known.has(value);
}

export function isReportedEventName(name: EventName): name is ReportedEventName {
  return reported.has(name);
}
