import { Outbox } from '@beacon/persistence';
import { Controller, Get, Inject } from '@nestjs/common';
import { type Pool } from 'pg';
import { INTAKE_POOL } from '../intake.tokens';

@Controller('health')
export class HealthController {
  constructor(@Inject(INTAKE_POOL) private readonly pool: Pool, private readonly outbox: Outbox) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Ready when reports can be committed; Kafka being down only grows the outbox backlog. */
  @Get('ready')
  async ready() {
    const backlog = await this.outbox.backlog(this.pool);
    return { status: 'ok', outbox: backlog };
  }
}
