import { BrokerProbe, type Kafka } from '@beacon/kafka';
import { HealthChecks } from '@beacon/observability';
import { Outbox } from '@beacon/persistence';
import { Controller, Get, Inject, type OnApplicationShutdown } from '@nestjs/common';
import { type Pool } from 'pg';
import { INTAKE_KAFKA, INTAKE_POOL } from '../intake.tokens';
import { RelayService } from '../outbox/relay.service';

@Controller('health')
export class HealthController implements OnApplicationShutdown {
  private readonly broker: BrokerProbe;

  constructor(
    @Inject(INTAKE_POOL) private readonly pool: Pool,
    @Inject(INTAKE_KAFKA) kafka: Kafka,
    private readonly outbox: Outbox,
    private readonly relay: RelayService,
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
   * Ready when reports can be committed. Kafka being down only grows the outbox backlog, so it
   * is reported (`degraded: ["kafka"]`) without taking intake out of service.
   */
  @Get('ready')
  async ready() {
    const result = await this.health.ready(
      { postgres: () => this.pool.query('SELECT 1') },
      { kafka: () => this.broker.check() },
    );
    const backlog = await this.outbox.backlog(this.pool);
    return { ...result, outbox: backlog, relay: { published: this.relay.published } };
  }
}
