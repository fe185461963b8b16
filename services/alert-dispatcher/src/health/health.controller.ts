import { BrokerProbe, type Kafka } from '@beacon/kafka';
import { HealthChecks } from '@beacon/observability';
import { type Pool } from '@beacon/persistence';
import { Controller, Get, Inject, type OnApplicationShutdown } from '@nestjs/common';
import { ChannelRegistry } from '../channels/channel-registry.service';
import { NotificationsRepository } from '../deliveries/notifications.repository';
import { ALERTING_POOL, KAFKA_CLIENT } from '../dispatcher.tokens';
import { RoutingService } from '../routing/routing.service';

@Controller('health')
export class HealthController implements OnApplicationShutdown {
  private readonly broker: BrokerProbe;

  constructor(
    @Inject(ALERTING_POOL) private readonly pool: Pool,
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    private readonly notifications: NotificationsRepository,
    private readonly channels: ChannelRegistry,
    private readonly routing: RoutingService,
    private readonly health: HealthChecks,
  ) {
    this.broker = new BrokerProbe(kafka);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.broker.close();
  }

  /** The process answers; no dependency is asked (restarting would not bring one back). */
  @Get('live')
  live() {
    return this.health.live();
  }

  /**
   * Ready when alerts, queued messages and acknowledgements can be stored. Without Kafka no new
   * event is decided, but queued pages still go out and officers can still acknowledge, so
   * Kafka is reported as `degraded` instead of taking the dispatcher out of service.
   */
  @Get('ready')
  async ready() {
    const result = await this.health.ready(
      { postgres: () => this.pool.query('SELECT 1') },
      { kafka: () => this.broker.check() },
    );
    const routing = this.routing.status;
    return {
      ...result,
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
