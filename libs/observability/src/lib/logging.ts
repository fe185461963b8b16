import { RequestMethod } from '@nestjs/common';
import { type Params } from 'nestjs-pino';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { traceOfRequest } from './http-tracing';
import { currentTrace, type TraceContext } from './trace-context';

/**
 * Paths that may hold secrets or personal data are removed from every log line, whatever the
 * code logging them intended: bodies (reports are about people), credentials, and addresses.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'req.body',
  'res.headers["set-cookie"]',
  'body',
  'persons',
  'password',
  'totp',
  '*.password',
  '*.name',
  '*.registrationNumber',
  '*.phone',
  '*.email',
  '*.address',
  '*.notes',
];

function fieldsOf(trace: TraceContext | undefined): Record<string, string> {
  if (!trace) return {};
  return {
    trace_id: trace.traceId,
    span_id: trace.spanId,
    ...(trace.eventId ? { event_id: trace.eventId } : {}),
  };
}

/** A request's logger already carries its trace as bindings; other lines take the current one. */
function traceFields(_merge: object, _level: number, logger?: { bindings(): Record<string, unknown> }): Record<string, string> {
  if (logger?.bindings().trace_id !== undefined) return {};
  return fieldsOf(currentTrace());
}

export function baseLoggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, remove: true },
    mixin: traceFields,
    formatters: { level: (label) => ({ level: label }) },
  };
}

/** A logger for work outside HTTP requests (consumers, relays, workers). */
export function createLogger(service: string, level = 'info'): Logger {
  return pino(baseLoggerOptions(service, level));
}

/** nestjs-pino settings: JSON lines, trace and event ids on every line, no URLs' query strings. */
export function nestLoggerParams(service: string, level: string): Params {
  return {
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    pinoHttp: {
      ...baseLoggerOptions(service, level),
      // Middleware mounting may rewrite `url`; `originalUrl` is the path the client asked for.
      autoLogging: { ignore: (req) => /^\/(health|metrics)/.test((req as { originalUrl?: string }).originalUrl ?? req.url ?? '') },
      customProps: (req) => fieldsOf(traceOfRequest(req)),
      serializers: {
        // Only the route's path: ids in query strings or bodies never reach the log.
        req: (req: { method?: string; url?: string; id?: unknown }) => ({
          method: req.method,
          path: (req.url ?? '').split('?')[0],
          id: req.id,
        }),
        res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    },
  };
}
