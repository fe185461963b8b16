import { HealthChecks } from '@beacon/observability';
import { Controller, Get } from '@nestjs/common';
import { ProjectionConsumer } from '../projection/projection.consumer';

@Controller('health')
export class HealthController {
  constructor(
    private readonly projection: ProjectionConsumer,
    private readonly health: HealthChecks,
  ) {}

  /** The process answers; no dependency is asked (restarting would not bring one back). */
  @Get('live')
  live() {
    return this.health.live();
  }

  /**
   * Ready when the read models can be written. Kafka down stops new events, not the service:
   * it is reported as `degraded` and the consumer resumes from its checkpoints when it returns.
   */
  @Get('ready')
  async ready() {
    const result = await this.health.ready(
      { postgres: () => this.projection.pool.query('SELECT 1') },
      { kafka: () => this.projection.broker.check() },
    );
    return {
      ...result,
      applied: this.projection.appliedTotal,
      deadLettered: this.projection.deadLetteredTotal,
      readModelVersion: this.projection.activeVersion,
    };
  }
}
