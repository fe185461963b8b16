import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { IntakeMetrics, rejectionReason } from './intake-metrics.service';

/**
 * Counts every answer to a report submission, whoever produced it (a guard, the body parser,
 * the handler): the answer is the one place that knows the outcome of all of them.
 */
export function registerReportMetrics(app: NestFastifyApplication, routes: { single: string; batch: string }): void {
  const metrics = app.get(IntakeMetrics);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply, payload) => {
      const route = request.routeOptions.url;
      if (request.method !== 'POST' || (route !== routes.single && route !== routes.batch)) return payload;
      const body = typeof payload === 'string' ? safeJson(payload) : null;
      if (reply.statusCode < 300) {
        const reports = route === routes.batch ? ((body?.reports as unknown[] | undefined)?.length ?? 0) : 1;
        metrics.accepted.inc({ kind: route === routes.batch ? 'batch' : 'single' }, reports);
      } else {
        metrics.rejected.inc({ reason: rejectionReason(body?.type, reply.statusCode) });
      }
      return payload;
    });
}

function safeJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
