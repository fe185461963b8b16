import { continueTrace, formatTraceparent, type TraceContext, withTrace } from './trace-context';

/** The parts of a Fastify instance the hooks need (keeps this library free of the server type). */
interface HookRequest {
  headers: Record<string, string | string[] | undefined>;
  raw: object;
}
interface HookReply {
  header(name: string, value: string): unknown;
}
type Done = (error?: Error) => void;
export interface TraceableServer {
  addHook(name: 'onRequest' | 'preHandler', hook: (request: HookRequest, reply: HookReply, done: Done) => void): unknown;
}

const TRACE = Symbol('trace');

/** The trace of a raw request, for the request logger. */
export function traceOfRequest(raw: object): TraceContext | undefined {
  return (raw as { [TRACE]?: TraceContext })[TRACE];
}

/**
 * Continues the caller's W3C `traceparent` (or starts a trace) for each request, makes it
 * current for the handler, and answers with `traceresponse` so a caller that sent none can
 * still quote the trace id.
 */
export function registerHttpTracing(server: TraceableServer): void {
  server.addHook('onRequest', (request, reply, done) => {
    const header = request.headers.traceparent;
    const trace = continueTrace(Array.isArray(header) ? header[0] : header);
    (request.raw as { [TRACE]?: TraceContext })[TRACE] = trace;
    reply.header('traceresponse', formatTraceparent(trace));
    done();
  });
  // Bodies are parsed between the two hooks, outside any async context: enter it again here.
  server.addHook('preHandler', (request, _reply, done) => {
    const trace = traceOfRequest(request.raw);
    if (trace) withTrace(trace, () => done());
    else done();
  });
}
