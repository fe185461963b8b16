import { HealthChecks } from '@beacon/observability';
import { Controller, Get, Inject } from '@nestjs/common';
import { type Pool } from 'pg';
import { CONSOLE_POOL } from '../cases/cases.repository';

/** The console reads Postgres only; it has no Kafka connection to report. */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(CONSOLE_POOL) private readonly pool: Pool,
    private readonly health: HealthChecks,
  ) {}

  /** The process answers; no dependency is asked (restarting would not bring one back). */
  @Get('live')
  live() {
    return this.health.live();
  }

  @Get('ready')
  ready() {
    return this.health.ready({ postgres: () => this.pool.query('SELECT 1') });
  }
}
