import { z } from 'zod';
import { isoInstant, uuid } from './common-schemas';
import { type EventName } from './event-names';
import { fastParse } from './fast-parse';
import { CURRENT_VERSIONS, type EventType, eventTypeOf, parseEventType } from './event-type';
import { type EventData, payloadSchemas } from './payload-schemas';
import { findUpcaster } from './upcasters';

/** A CloudEvents 1.0 envelope around one case fact. */
export interface CaseEvent<N extends EventName = EventName> {
  specversion: '1.0';
  id: string;
  type: EventType;
  /** URI-reference of the producer, e.g. '/beacon/intake-api'. */
  source: string;
  /** The case id. */
  subject: string;
  /** When Beacon recorded it. */
  time: string;
  datacontenttype: 'application/json';
  /** When it happened in the world; state folds by this, reports arrive late and out of order. */
  occurredat: string;
  incidentid?: string;
  traceparent?: string;
  data: EventData<N>;
}

/** A case event paired with its name, so a `switch` on `name` narrows `event.data`. */
export type NamedEvent = { [N in EventName]: { name: N; event: CaseEvent<N> } }[EventName];

export interface ValidationIssue {
  path: string;
  message: string;
}

export type DecodeFailure = 'malformed' | 'unknown-type' | 'unsupported-version' | 'invalid';

export type DecodeResult =
  | { ok: true; event: CaseEvent }
  | { ok: false; reason: DecodeFailure; message: string; issues: ValidationIssue[] };

export class EventValidationError extends Error {
  override readonly name = 'EventValidationError';

  constructor(
    message: string,
    readonly issues: ValidationIssue[],
  ) {
    super(message);
  }
}

export const envelopeSchema = z.strictObject({
  specversion: z.literal('1.0'),
  id: uuid(),
  type: z.string().min(1),
  source: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\s]+$/, 'Expected a URI-reference'),
  subject: uuid(),
  time: isoInstant(),
  datacontenttype: z.literal('application/json'),
  occurredat: isoInstant(),
  incidentid: uuid().optional(),
  traceparent: z
    .string()
    .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'Expected a W3C traceparent')
    .optional(),
  data: z.unknown(),
});

export function issuesOf(
  error: z.ZodError,
  prefix: readonly (string | number)[] = [],
): ValidationIssue[] {
  return error.issues.flatMap((issue) => {
    const at = [
      ...prefix,
      ...issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
    ];
    // One issue per unknown key, so the path names the offending field itself.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: pathOf([...at, key]),
        message: `Unknown field "${key}"`,
      }));
    }
    return [{ path: pathOf(at), message: issue.message }];
  });
}

export function pathOf(segments: readonly (string | number)[]): string {
  return segments
    .map((segment, i) =>
      typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`,
    )
    .join('');
}

function failure(reason: DecodeFailure, message: string, issues: ValidationIssue[]): DecodeResult {
  return { ok: false, reason, message, issues };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a structured event (envelope and data) and upcasts an older version to the current one.
 * Never throws: consumers dead-letter what fails, with the reason.
 */
export function validateEvent(candidate: unknown): DecodeResult {
  if (!isRecord(candidate)) {
    return failure('malformed', 'An event must be a JSON object', [
      { path: '', message: 'Expected an object' },
    ]);
  }
  const { type } = candidate;
  if (typeof type !== 'string' || type.length === 0) {
    return failure('malformed', 'The event has no type', [{ path: 'type', message: 'Required' }]);
  }
  const parsedType = parseEventType(type);
  if (parsedType === null) {
    return failure('unknown-type', `Unknown event type "${type}"`, [
      { path: 'type', message: 'Not a Beacon event type' },
    ]);
  }
  const { name, version } = parsedType;
  const current = CURRENT_VERSIONS[name];
  if (version > current) {
    return failure(
      'unsupported-version',
      `${type} is newer than v${current}, the newest this build reads`,
      [{ path: 'type', message: `Newest supported version is v${current}` }],
    );
  }

  const envelope = safeParse(envelopeSchema, candidate);
  if (!envelope.success) {
    const issues = issuesOf(envelope.error);
    return failure('invalid', `Invalid envelope: ${summarise(issues)}`, issues);
  }

  let data: unknown = envelope.data.data;
  for (let v = version; v < current; v += 1) {
    const upcaster = findUpcaster(name, v);
    if (upcaster === undefined) {
      return failure('unsupported-version', `No upcaster from ${eventTypeOf(name, v)}`, [
        { path: 'type', message: `Version v${v} can no longer be read` },
      ]);
    }
    const old = upcaster.schema.safeParse(data);
    if (!old.success) {
      const issues = issuesOf(old.error, ['data']);
      return failure(
        'invalid',
        `Invalid ${eventTypeOf(name, v)} data: ${summarise(issues)}`,
        issues,
      );
    }
    data = upcaster.upcast(old.data);
  }

  const payload = safeParse(payloadSchemas[name], data);
  if (!payload.success) {
    const issues = issuesOf(payload.error, ['data']);
    return failure('invalid', `Invalid ${eventTypeOf(name)} data: ${summarise(issues)}`, issues);
  }

  // Spelled out rather than spread: every consumed event comes through here.
  const envelopeData = envelope.data;
  const event: CaseEvent = {
    specversion: envelopeData.specversion,
    id: envelopeData.id,
    type: eventTypeOf(name),
    source: envelopeData.source,
    subject: envelopeData.subject,
    time: envelopeData.time,
    datacontenttype: envelopeData.datacontenttype,
    occurredat: envelopeData.occurredat,
    data: payload.data,
  };
  if (envelopeData.incidentid !== undefined) event.incidentid = envelopeData.incidentid;
  if (envelopeData.traceparent !== undefined) event.traceparent = envelopeData.traceparent;
  return { ok: true, event };
}

/** zod's answer, asked of the fast path first: it accepts what zod accepts, with zod's output, or defers. */
function safeParse<S extends z.ZodType>(
  schema: S,
  value: unknown,
): z.ZodSafeParseResult<z.output<S>> {
  const fast = fastParse(schema, value);
  return fast === null
    ? schema.safeParse(value)
    : { success: true, data: fast.data as z.output<S> };
}

function summarise(issues: readonly ValidationIssue[]): string {
  const shown = issues
    .slice(0, 3)
    .map((issue) => `${issue.path || '(root)'}: ${issue.message}`)
    .join('; ');
  return issues.length > 3 ? `${shown}; and ${issues.length - 3} more` : shown;
}

export interface CreateEventInput<N extends EventName> {
  id: string;
  caseId: string;
  time: Date | string;
  occurredAt: Date | string;
  source: string;
  incidentId?: string;
  traceparent?: string;
  data: EventData<N>;
}

function instant(value: Date | string): string {
  if (typeof value === 'string') return value;
  // An invalid Date has no ISO form; an empty string lets the schema report the path.
  return Number.isNaN(value.getTime()) ? '' : value.toISOString();
}

/** Builds the current version of an event and validates it, as every producer must before writing. */
export function createEvent<N extends EventName>(
  name: N,
  input: CreateEventInput<N>,
): CaseEvent<N> {
  const candidate = {
    specversion: '1.0',
    id: input.id,
    type: eventTypeOf(name),
    source: input.source,
    subject: input.caseId,
    time: instant(input.time),
    datacontenttype: 'application/json',
    occurredat: instant(input.occurredAt),
    ...(input.incidentId === undefined ? {} : { incidentid: input.incidentId }),
    ...(input.traceparent === undefined ? {} : { traceparent: input.traceparent }),
    data: input.data,
  };
  const result = validateEvent(candidate);
  if (!result.ok) throw new EventValidationError(result.message, result.issues);
  return result.event;
}

/** The event's name beside it, for exhaustive handling. Expects a validated event. */
export function nameEvent(event: CaseEvent): NamedEvent {
  const parsed = parseEventType(event.type);
  if (parsed === null)
    throw new EventValidationError(`Unknown event type "${event.type}"`, [
      { path: 'type', message: 'Not a Beacon event type' },
    ]);
  // The name comes from the validated type, and validation checked data against that name's schema.
  return { name: parsed.name, event };
}

export function eventNameOf(event: CaseEvent): EventName {
  return nameEvent(event).name;
}
