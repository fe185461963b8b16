import { type Pool } from '@beacon/persistence';
import { Controller, Get, Inject } from '@nestjs/common';
import { ChannelRegistry } from '../channels/channel-registry.service';
import { NotificationsRepository } from '../deliveries/notifications.repository';
import { ALERTING_POOL } from '../dispatcher.tokens';
import { RoutingService } from '../routing/routing.service';

@Controller('health')
export class HealthController {
  constructor(
    @Inject(ALERTING_POOL) private readonly pool: Pool,
    private readonly notifications: NotificationsRepository,
    private readonly channels: ChannelRegistry,
    private readonly routing: RoutingService,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready() {
    const routing = this.routing.status;
    return {
      status: 'ok',
      pendingNotifications: await this.notifications.pendingCount(this.pool),
      channels: this.channels.names,
      smppBound: this.channels.smppBound,
      routing: {
        sha256: routing.sha256,
        loadedAt: routing.loadedAt.toISOString(),
        lastReloadError: routing.error !== null,
      },
    };
  }
}
