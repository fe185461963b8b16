import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync } from 'node:crypto';

/**
 * W3C trace context (the propagation format OpenTelemetry uses). Carried in the HTTP
 * `traceparent` header and in every event's `traceparent` attribute, so one report can be
 * followed from the POST through Kafka to the message that paged an officer.
 */
export interface TraceContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
  /** The case event being handled, when there is one. */
  eventId?: string;
  /** When Beacon recorded that event (its CloudEvents `time`): the start of end-to-end latencies. */
  eventTime?: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceparent(header: string | undefined | null): TraceContext | null {
  const match = header ? TRACEPARENT.exec(header.trim()) : null;
  if (!match?.[1] || !match[2] || !match[3]) return null;
  if (/^0+$/.test(match[1]) || /^0+$/.test(match[2])) return null;
  return { traceId: match[1], spanId: match[2], sampled: (parseInt(match[3], 16) & 1) === 1 };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
}

// Ids for every request and every event: drawn from the CSPRNG a few kilobytes at a time, since
// one call per id costs more than the rest of the id. Each byte is used once.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += bytes;
  return pool.toString('hex', poolOffset - bytes, poolOffset);
}

export function newTraceContext(): TraceContext {
  return { traceId: randomHex(16), spanId: randomHex(8), sampled: true };
}

/** A new span in the same trace: what a service does on receiving a context. */
export function childSpan(parent: TraceContext): TraceContext {
  return { ...parent, spanId: randomHex(8) };
}

const store = new AsyncLocalStorage<TraceContext>();

export function withTrace<T>(context: TraceContext, work: () => T): T {
  return store.run(context, work);
}

export function currentTrace(): TraceContext | undefined {
  return store.getStore();
}

/**
 * Makes `context` current for the rest of the calling async function and what it awaits, where
 * wrapping the work in a callback would restructure a long loop. Call it only after the function
 * has awaited once: before that it runs in its caller's context and would change the caller's.
 */
export function enterTrace(context: TraceContext): void {
  store.enterWith(context);
}

/** The `traceparent` of the current unit of work, for an event or an outgoing request. */
export function currentTraceparent(): string | undefined {
  const trace = currentTrace();
  return trace ? formatTraceparent(trace) : undefined;
}

type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

function headerText(value: HeaderValue): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

/**
 * The trace a consumed record belongs to: the producer's span from the W3C `traceparent`
 * header, else the CloudEvents `ce_traceparent` attribute (where the event was created), else
 * a new trace. Event id and time come from the `ce_id` and `ce_time` headers.
 */
export function traceFromRecordHeaders(
  headers: Record<string, HeaderValue> | undefined,
): TraceContext {
  const h = headers ?? {};
  const traceparent = parseTraceparent(headerText(h.traceparent))
    ? headerText(h.traceparent)
    : headerText(h.ce_traceparent);
  const context = continueTrace(traceparent, headerText(h.ce_id));
  const time = headerText(h.ce_time);
  return time ? { ...context, eventTime: time } : context;
}

/** Continues the trace an incoming header or event names, or starts one. */
export function continueTrace(
  traceparent: string | undefined | null,
  eventId?: string,
): TraceContext {
  const parent = parseTraceparent(traceparent);
  const context = parent ? childSpan(parent) : newTraceContext();
  return eventId ? { ...context, eventId } : context;
}
