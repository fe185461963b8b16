import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { IdempotencyRepository } from './idempotency.repository';

const EVERY_MS = 10 * 60_000;

/** Forgets idempotency answers past their retention; harmless to run in every instance. */
@Injectable()
export class IdempotencyPurgeWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyPurgeWorker.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly keys: IdempotencyRepository) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), EVERY_MS);
    this.timer.unref();
  }

  async purge(): Promise<void> {
    try {
      const removed = await this.keys.purge();
      if (removed > 0) this.logger.log(`forgot ${removed} expired idempotency keys`);
    } catch (error) {
      this.logger.warn(
        `idempotency purge failed: ${error instanceof Error ? error.message : 'unknown error'}`,
      );
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
