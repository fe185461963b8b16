import { ProblemException } from '@beacon/http';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { INTAKE_CONFIG, type IntakeConfig } from '../intake.config';
import { MAX_BATCH } from '../reports/report.dto';
import { type AuthenticatedRequest, principalOf } from './hotline-auth.guard';
import { TokenBucket } from './token-bucket';

/**
 * Per hotline, per instance, in memory: cheap on the hot path and enough to stop a runaway
 * client; a fleet of N instances admits up to N times the rate. A batch costs one token per report.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(@Inject(INTAKE_CONFIG) private readonly config: IntakeConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const { hotlineId } = principalOf(request);
    const now = Date.now();
    let bucket = this.buckets.get(hotlineId);
    if (!bucket) {
      bucket = new TokenBucket(
        this.config.RATE_LIMIT_PER_SECOND,
        this.config.RATE_LIMIT_BURST,
        now,
      );
      this.buckets.set(hotlineId, bucket);
    }
    const outcome = bucket.take(costOf(request.body), now);
    if (!outcome.ok) {
      throw new ProblemException(
        429,
        'rate-limited',
        'Too many requests',
        `This hotline sends more than ${this.config.RATE_LIMIT_PER_SECOND} reports per second. Retry after the delay; nothing was recorded.`,
        {},
        { 'retry-after': String(outcome.retryAfterSeconds) },
      );
    }
    return true;
  }
}

function costOf(body: unknown): number {
  if (
    typeof body === 'object' &&
    body !== null &&
    'reports' in body &&
    Array.isArray(body.reports)
  ) {
    return Math.min(Math.max(body.reports.length, 1), MAX_BATCH);
  }
  return 1;
}
