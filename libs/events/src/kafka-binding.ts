import {
  type CaseEvent,
  type DecodeResult,
  type ValidationIssue,
  validateEvent,
} from './case-event';

/** A record as the CloudEvents Kafka protocol binding writes it in binary mode. */
export interface KafkaRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
}

type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

export interface IncomingKafkaRecord {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, HeaderValue>;
}

const CE_PREFIX = 'ce_';
const CONTENT_TYPE = 'content-type';
const JSON_CONTENT_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;

/** The headers encodeForKafka writes, with their attribute names: most records have only these. */
const ATTRIBUTE_HEADERS: ReadonlyMap<string, string> = new Map(
  [
    'specversion',
    'id',
    'type',
    'source',
    'subject',
    'time',
    'occurredat',
    'incidentid',
    'traceparent',
  ].map((attribute) => [`${CE_PREFIX}${attribute}`, attribute]),
);

/** Binary mode: attributes in `ce_*` headers, data alone in the value, the case id as the key. */
export function encodeForKafka(event: CaseEvent): KafkaRecord {
  const headers: Record<string, string> = {
    ce_specversion: event.specversion,
    ce_id: event.id,
    ce_type: event.type,
    ce_source: event.source,
    ce_subject: event.subject,
    ce_time: event.time,
    ce_occurredat: event.occurredat,
  };
  if (event.incidentid !== undefined) headers.ce_incidentid = event.incidentid;
  if (event.traceparent !== undefined) headers.ce_traceparent = event.traceparent;
  headers[CONTENT_TYPE] = event.datacontenttype;
  // The key keeps one case's events on one partition, in order; it is a pseudonymous uuid, never a person id.
  return { key: event.subject, value: JSON.stringify(event.data), headers };
}

function text(value: Buffer | string): string {
  // UTF-8 either way; without an argument Buffer#toString skips looking up the encoding, which
  // costs more than decoding a short header.
  return typeof value === 'string' ? value : value.toString();
}

type Malformed = Extract<DecodeResult, { ok: false }>;

function malformed(message: string, issues: ValidationIssue[]): Malformed {
  return { ok: false, reason: 'malformed', message, issues };
}

/** Issue paths name the record's parts, so a dead letter says which header or field failed. */
function recordPath(path: string): string {
  if (path === 'data') return 'value';
  if (path.startsWith('data.') || path.startsWith('data[')) return `value${path.slice(4)}`;
  if (path === '') return 'headers';
  const attribute = /^[a-z0-9]+/.exec(path)?.[0] ?? path;
  return `headers.${CE_PREFIX}${attribute}${path.slice(attribute.length)}`;
}

/** Validates and upcasts a consumed record. Never throws: a failure carries the reason for the DLQ. */
export function decodeFromKafka(record: IncomingKafkaRecord): DecodeResult {
  try {
    return decode(record);
  } catch (error) {
    return malformed(
      `Unreadable record: ${error instanceof Error ? error.message : String(error)}`,
      [{ path: '', message: 'Unreadable record' }],
    );
  }
}

function decode(record: IncomingKafkaRecord): DecodeResult {
  const candidate: Record<string, unknown> = { datacontenttype: 'application/json' };
  const headers = record.headers ?? {};
  for (const header of Object.keys(headers)) {
    const raw = headers[header];
    if (raw === undefined) continue;
    const attribute = ATTRIBUTE_HEADERS.get(header);
    const lower = attribute === undefined ? header.toLowerCase() : header;
    if (!lower.startsWith(CE_PREFIX) && lower !== CONTENT_TYPE) continue;
    if (Array.isArray(raw) && raw.length !== 1) {
      return malformed(`Header ${header} appears ${raw.length} times`, [
        { path: `headers.${header}`, message: 'Expected exactly one value' },
      ]);
    }
    const value = text(Array.isArray(raw) ? (raw[0] as Buffer | string) : raw);
    if (lower === CONTENT_TYPE) {
      if (value !== 'application/json' && !JSON_CONTENT_TYPE.test(value)) {
        return {
          ok: false,
          reason: 'invalid',
          message: `Unsupported content-type "${value}"`,
          issues: [{ path: `headers.${CONTENT_TYPE}`, message: 'Expected application/json' }],
        };
      }
      continue;
    }
    candidate[attribute ?? lower.slice(CE_PREFIX.length)] = value;
  }

  if (typeof candidate.type !== 'string') {
    return malformed('The record has no ce_type header', [
      { path: 'headers.ce_type', message: 'Required' },
    ]);
  }
  if (record.value === null) {
    return malformed('The record has no value', [{ path: 'value', message: 'Required' }]);
  }
  try {
    candidate.data = JSON.parse(text(record.value)) as unknown;
  } catch (error) {
    return malformed('The value is not JSON', [
      { path: 'value', message: error instanceof Error ? error.message : 'Invalid JSON' },
    ]);
  }

  const result = validateEvent(candidate);
  if (!result.ok) {
    return {
      ...result,
      issues: result.issues.map((issue) => ({ ...issue, path: recordPath(issue.path) })),
    };
  }
  const key = record.key === null ? null : text(record.key);
  if (key !== result.event.subject) {
    return {
      ok: false,
      reason: 'invalid',
      message: 'The record key is not the case id',
      issues: [{ path: 'key', message: 'Expected the key to equal ce_subject' }],
    };
  }
  return result;
}
