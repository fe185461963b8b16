import { METRICS, ServiceMetrics } from '@beacon/observability';
import { Outbox } from '@beacon/persistence';
import { Inject, Injectable } from '@nestjs/common';
import { type Counter } from 'prom-client';
import { type Pool } from 'pg';
import { INTAKE_POOL } from '../intake.tokens';

/** Problem types a rejection is counted under; anything else is `other`, so labels stay few. */
const REASONS = new Set([
  'validation',
  'bad-request',
  'body-too-large',
  'unsupported-media-type',
  'unauthenticated',
  'forbidden-region',
  'forbidden-event-type',
  'rate-limited',
  'idempotency-in-flight',
  'idempotency-key-reused',
  'person-erased',
  'internal',
]);

export function rejectionReason(problemType: unknown, status: number): string {
  const slug = typeof problemType === 'string' ? /\/problems\/([a-z0-9-]+)$/.exec(problemType)?.[1] : undefined;
  if (slug && REASONS.has(slug)) return slug;
  if (slug && /^\d{3}$/.test(slug)) return slug;
  return status >= 500 ? 'internal' : 'other';
}

/** Intake's series: reports in, reports refused and why, and the outbox (the relay counts what it publishes). */
@Injectable()
export class IntakeMetrics {
  readonly accepted: Counter<'kind'>;
  readonly rejected: Counter<'reason'>;

  constructor(metrics: ServiceMetrics, outbox: Outbox, @Inject(INTAKE_POOL) pool: Pool) {
    this.accepted = metrics.counter(METRICS.reportsAccepted, 'Reports accepted (202), a batch counting each of its reports', ['kind']);
    this.rejected = metrics.counter(METRICS.reportsRejected, 'Report submissions refused, by problem type', ['reason']);
    // One query answers both gauges; it runs when Prometheus scrapes, so it is never stale.
    let pending: Promise<{ count: number; oldestAgeSeconds: number } | null> | null = null;
    const backlog = () => {
      pending ??= outbox
        .backlog(pool)
        .catch(() => null)
        .finally(() => setImmediate(() => (pending = null)));
      return pending;
    };
    metrics.gauge(METRICS.outboxBacklog, 'Accepted events not yet published to Kafka', [], async (gauge) => {
      const b = await backlog();
      if (b) gauge.set(b.count);
      else gauge.reset();
    });
    metrics.gauge(METRICS.outboxOldestAge, 'Age of the oldest unpublished event in seconds (0 when none)', [], async (gauge) => {
      const b = await backlog();
      if (b) gauge.set(b.oldestAgeSeconds);
      else gauge.reset();
    });
  }
}
