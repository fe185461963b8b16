import { Controller, Get } from '@nestjs/common';
import { ProjectionConsumer } from '../projection/projection.consumer';

@Controller('health')
export class HealthController {
  constructor(private readonly projection: ProjectionConsumer) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready() {
    await this.projection.pool.query('SELECT 1');
    return {
      status: 'ok',
      applied: this.projection.appliedTotal,
      deadLettered: this.projection.deadLetteredTotal,
      readModelVersion: this.projection.activeVersion,
    };
  }
}
