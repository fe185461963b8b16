import { RequestMethod } from '@nestjs/common';
import { type Params } from 'nestjs-pino';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { currentTrace } from './trace-context';

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

function traceFields(): Record<string, string> {
  const trace = currentTrace();
  if (!trace) return {};
  return {
    trace_id: trace.traceId,
    span_id: trace.spanId,
    ...(trace.eventId ? { event_id: trace.eventId } : {}),
  };
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
      autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
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
