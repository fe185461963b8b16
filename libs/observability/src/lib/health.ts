import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, type HealthCheckResult, type HealthIndicatorResult } from '@nestjs/terminus';

/** Resolves when the dependency answers; anything it throws or a timeout counts as down. */
export type Probe = () => Promise<unknown>;

export interface Readiness extends HealthCheckResult {
  /** Dependencies that are down without making the service unready (work waits, nothing is lost). */
  degraded: string[];
}

const PROBE_TIMEOUT_MS = 2_000;

/**
 * Asks one dependency. The answer says only up or down and why in one word: error messages
 * can name hosts and users, and health endpoints are read by more people than logs.
 */
export async function probe(key: string, check: Probe, timeoutMs = PROBE_TIMEOUT_MS): Promise<HealthIndicatorResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([check().then(() => 'up' as const), timeout]);
    return outcome === 'up' ? { [key]: { status: 'up' } } : { [key]: { status: 'down', reason: 'timeout' } };
  } catch {
    return { [key]: { status: 'down', reason: 'unreachable' } };
  } finally {
    clearTimeout(timer);
  }
}

/** The ready answer of a service that cannot work without its database. */
export class NotReadyError extends Error {
  constructor(readonly result: HealthCheckResult) {
    super('not ready');
    this.name = 'NotReadyError';
  }
}

/**
 * Liveness and readiness on top of Terminus. Liveness asks no dependency (restarting a process
 * does not bring a database back); readiness fails when a required dependency is down and
 * lists optional ones that are down as `degraded`.
 */
@Injectable()
export class HealthChecks {
  private readonly logger = new Logger('Health');

  constructor(private readonly health: HealthCheckService) {}

  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  async ready(required: Record<string, Probe>, optional: Record<string, Probe> = {}): Promise<Readiness> {
    const extra = await Promise.all(Object.entries(optional).map(([key, check]) => probe(key, check)));
    const extraDetails = Object.assign({}, ...extra) as HealthIndicatorResult;
    const degraded = extra.flatMap((r) => Object.entries(r).filter(([, v]) => v.status === 'down').map(([k]) => k));
    let result: HealthCheckResult;
    try {
      result = await this.health.check(Object.entries(required).map(([key, check]) => () => probe(key, check)));
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const failed = error.getResponse() as HealthCheckResult;
      this.logger.warn(`not ready: ${Object.keys(failed.error ?? {}).join(', ') || failed.status}`);
      throw new NotReadyError({ ...failed, details: { ...failed.details, ...extraDetails } });
    }
    return { ...result, details: { ...result.details, ...extraDetails }, degraded };
  }
}
