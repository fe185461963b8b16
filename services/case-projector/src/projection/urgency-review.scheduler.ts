import { type Pool } from '@beacon/persistence';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PROJECTOR_CONFIG, type ProjectorConfig } from '../projector.config';
import { ReadModelVersionsRepository } from '../read-models/read-model-versions.repository';
import { ReadModelRepository } from '../read-models/read-model.repository';
import { PROJECTOR_POOL } from '../read-models/read-models.module';
import { UrgencyReview } from './urgency-review.worker';

/** Runs the urgency review on a timer (rows in Postgres decide what is due, not this process). */
@Injectable()
export class UrgencyReviewScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UrgencyReviewScheduler.name);
  private readonly review: UrgencyReview;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
    @Inject(PROJECTOR_POOL) pool: Pool,
    versions: ReadModelVersionsRepository,
    readModels: ReadModelRepository,
  ) {
    this.review = new UrgencyReview(pool, versions, readModels);
  }

  onApplicationBootstrap(): void {
    if (this.config.URGENCY_REVIEW_INTERVAL_MS > 0) this.schedule(1_000);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.review
        .reviewDue()
        .then((changed) => {
          if (changed > 0) this.logger.log(`re-assessed urgency of ${changed} case(s)`);
        })
        .catch((error: unknown) => this.logger.warn(`urgency review failed: ${error instanceof Error ? error.message : 'unknown error'}`))
        .finally(() => this.schedule(this.config.URGENCY_REVIEW_INTERVAL_MS));
    }, delayMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
