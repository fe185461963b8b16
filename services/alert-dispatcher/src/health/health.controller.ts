import { Controller, Get } from '@nestjs/common';
import { DispatcherService } from '../dispatcher.service';

@Controller('health')
export class HealthController {
  constructor(private readonly dispatcher: DispatcherService) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready() {
    const { rows } = await this.dispatcher.pool.query<{ pending: string }>(
      `SELECT count(*) AS pending FROM alerting.notifications WHERE status = 'pending'`,
    );
    return { status: 'ok', pendingNotifications: Number(rows[0]?.pending ?? 0) };
  }
}
