import { type Pool } from '@beacon/persistence';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { Client } from 'pg';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../dispatcher.config';
import { ALERTING_POOL } from '../dispatcher.tokens';
import { ROUTING_RELOAD_CHANNEL, RoutingService } from './routing.service';

const HEARTBEAT_MS = 5_000;

/**
 * Tells `beacon routing reload` and `beacon routing status` which routing each running
 * dispatcher has in force, and listens for the reload they ask for (Postgres NOTIFY reaches
 * every instance, wherever it runs).
 */
@Injectable()
export class InstanceRegistry {
  private readonly logger = new Logger(InstanceRegistry.name);
  readonly instanceId = `${hostname()}-${process.pid}`;
  private readonly startedAt = new Date();
  private listener: Client | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private reconnect: NodeJS.Timeout | null = null;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;

  constructor(
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
    @Inject(ALERTING_POOL) private readonly pool: Pool,
    private readonly routing: RoutingService,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.unsubscribe = this.routing.onReload(() => void this.report());
    await this.report();
    this.heartbeat = setInterval(() => void this.report(), HEARTBEAT_MS);
    await this.listen();
  }

  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.config.DATABASE_URL,
      application_name: 'alert-dispatcher-listen',
    });
    client.on('error', () => undefined);
    client.on('end', () => {
      if (this.stopped) return;
      this.listener = null;
      this.reconnect = setTimeout(() => void this.listen(), 2_000);
    });
    client.on('notification', (message) => {
      if (message.channel === ROUTING_RELOAD_CHANNEL) this.routing.reload('beacon routing reload');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${ROUTING_RELOAD_CHANNEL}`);
      this.listener = client;
    } catch (error) {
      this.logger.warn(`cannot listen for routing reloads yet: ${(error as Error).message}`);
      await client.end().catch(() => undefined);
    }
  }

  async report(): Promise<void> {
    const { sha256, loadedAt, error } = this.routing.status;
    await this.pool
      .query(
        `INSERT INTO alerting.dispatcher_instances (instance_id, host, pid, routing_sha256, routing_loaded_at, routing_error,
           started_at, seen_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now())
         ON CONFLICT (instance_id) DO UPDATE SET routing_sha256 = EXCLUDED.routing_sha256,
           routing_loaded_at = EXCLUDED.routing_loaded_at, routing_error = EXCLUDED.routing_error, seen_at = now()`,
        [this.instanceId, hostname(), process.pid, sha256, loadedAt, error, this.startedAt],
      )
      .catch((e: unknown) =>
        this.logger.warn(`cannot report instance status: ${(e as Error).message}`),
      );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.reconnect) clearTimeout(this.reconnect);
    await this.listener?.end().catch(() => undefined);
    await this.pool
      .query(`DELETE FROM alerting.dispatcher_instances WHERE instance_id = $1`, [this.instanceId])
      .catch(() => undefined);
  }
}
