import { Controller, Get, Inject } from '@nestjs/common';
import { type Pool } from 'pg';
import { CONSOLE_POOL } from '../cases/cases.repository';

@Controller('health')
export class HealthController {
  constructor(@Inject(CONSOLE_POOL) private readonly pool: Pool) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready() {
    await this.pool.query('SELECT 1');
    return { status: 'ok' };
  }
}
