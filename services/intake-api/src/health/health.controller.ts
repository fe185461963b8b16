import { ProblemException } from '@beacon/http';
import { Outbox } from '@beacon/persistence';
import { Controller, Get, Inject } from '@nestjs/common';
import { type Pool } from 'pg';
import { INTAKE_POOL } from '../intake.tokens';
import { RelayService } from '../outbox/relay.service';

@Controller('health')
export class HealthController {
  constructor(
    @Inject(INTAKE_POOL) private readonly pool: Pool,
    private readonly outbox: Outbox,
    private readonly relay: RelayService,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Ready when reports can be committed; Kafka being down only grows the outbox backlog. */
  @Get('ready')
  async ready() {
    try {
      const backlog = await this.outbox.backlog(this.pool);
      return { status: 'ok', outbox: backlog, relay: { published: this.relay.published } };
    } catch {
      throw new ProblemException(503, 'not-ready', 'Not ready', 'The database cannot be reached.');
    }
  }
}
