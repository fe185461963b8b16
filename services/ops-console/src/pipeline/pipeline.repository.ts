import { Inject, Injectable } from '@nestjs/common';
import { type Pool } from 'pg';
import { CONSOLE_POOL } from '../cases/cases.repository';

export interface PipelineView {
  readModels: { version: number; status: string; createdAt: string; activatedAt: string | null }[];
  checkpoints: {
    consumer: string;
    topic: string;
    partition: number;
    nextOffset: string;
    updatedAt: string | null;
  }[];
  /** Events written but not yet on Kafka, per service outbox; null where that schema is absent. */
  outboxes: { service: string; pending: number; oldestAgeSeconds: number | null }[];
  /** Each consumer's stored position per partition, with the service it belongs to. */
  consumers: { service: string; consumer: string; topic: string; partition: number; nextOffset: string; updatedAt: string }[];
  /** Pages of the last `windowHours`, per channel: sent, failed for good, still pending. */
  deliveries: {
    windowHours: number;
    channels: { channel: string; sent: number; failed: number; pending: number; failureRate: number | null }[];
  };
}

const DELIVERY_WINDOW_HOURS = 24;

/** Tables of other services' schemas the view reads, when the database holds them. */
const OPTIONAL_TABLES = ['intake.outbox', 'alerting.outbox', 'alerting.kafka_checkpoints', 'alerting.notifications'];

/** How far the projections are: read-model versions and the positions each has reached. Ids and numbers only. */
@Injectable()
export class PipelineRepository {
  constructor(@Inject(CONSOLE_POOL) private readonly pool: Pool) {}

  async view(): Promise<PipelineView> {
    const versions = await this.pool.query<{
      version: number;
      status: string;
      created_at: Date;
      activated_at: Date | null;
    }>(
      'SELECT version, status, created_at, activated_at FROM projection.read_model_versions ORDER BY version',
    );
    const checkpoints = await this.pool.query<{
      consumer: string;
      topic: string;
      partition: number;
      next_offset: string;
      updated_at: Date | null;
    }>(
      `SELECT consumer, topic, partition, next_offset::text, updated_at FROM projection.kafka_checkpoints ORDER BY consumer, topic, partition`,
    );
    const present = await this.presentTables();
    const [outboxes, consumers, deliveries] = await Promise.all([
      this.outboxes(present),
      this.alertingCheckpoints(present),
      this.deliveries(present),
    ]);
    return {
      outboxes,
      consumers: [
        ...checkpoints.rows.map((r) => ({
          service: 'case-projector',
          consumer: r.consumer,
          topic: r.topic,
          partition: r.partition,
          nextOffset: r.next_offset,
          updatedAt: r.updated_at?.toISOString() ?? '',
        })),
        ...consumers,
      ],
      deliveries,
      readModels: versions.rows.map((r) => ({
        version: r.version,
        status: r.status,
        createdAt: r.created_at.toISOString(),
        activatedAt: r.activated_at?.toISOString() ?? null,
      })),
      checkpoints: checkpoints.rows.map((r) => ({
        consumer: r.consumer,
        topic: r.topic,
        partition: r.partition,
        nextOffset: r.next_offset,
        updatedAt: r.updated_at?.toISOString() ?? null,
      })),
    };
  }

  private async presentTables(): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT t AS name FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NOT NULL`,
      [OPTIONAL_TABLES],
    );
    return new Set(rows.map((r) => r.name));
  }

  private async outboxes(present: Set<string>): Promise<PipelineView['outboxes']> {
    const sources = [
      { service: 'intake-api', table: 'intake.outbox' },
      { service: 'alert-dispatcher', table: 'alerting.outbox' },
    ].filter((s) => present.has(s.table));
    return Promise.all(
      sources.map(async ({ service, table }) => {
        // Served by the partial index on unpublished rows, so this stays cheap with a long history.
        const { rows } = await this.pool.query<{ pending: string; oldest: Date | null; now: Date }>(
          `SELECT count(*)::text AS pending, min(created_at) AS oldest, now() AS now FROM ${table} WHERE published_at IS NULL`,
        );
        const row = rows[0];
        return {
          service,
          pending: Number(row?.pending ?? 0),
          oldestAgeSeconds:
            row?.oldest ? Math.max(0, Math.round((row.now.getTime() - row.oldest.getTime()) / 1000)) : null,
        };
      }),
    );
  }

  private async alertingCheckpoints(present: Set<string>): Promise<PipelineView['consumers']> {
    if (!present.has('alerting.kafka_checkpoints')) return [];
    const { rows } = await this.pool.query<{
      consumer: string;
      topic: string;
      partition: number;
      next_offset: string;
      updated_at: Date;
    }>(
      `SELECT consumer, topic, partition, next_offset::text, updated_at FROM alerting.kafka_checkpoints ORDER BY consumer, topic, partition`,
    );
    return rows.map((r) => ({
      service: 'alert-dispatcher',
      consumer: r.consumer,
      topic: r.topic,
      partition: r.partition,
      nextOffset: r.next_offset,
      updatedAt: r.updated_at.toISOString(),
    }));
  }

  private async deliveries(present: Set<string>): Promise<PipelineView['deliveries']> {
    if (!present.has('alerting.notifications')) return { windowHours: DELIVERY_WINDOW_HOURS, channels: [] };
    const { rows } = await this.pool.query<{ channel: string; sent: string; failed: string; pending: string }>(
      `SELECT channel,
              count(*) FILTER (WHERE status = 'sent')::text    AS sent,
              count(*) FILTER (WHERE status = 'failed')::text  AS failed,
              count(*) FILTER (WHERE status = 'pending')::text AS pending
         FROM alerting.notifications
        WHERE created_at > now() - make_interval(hours => $1)
        GROUP BY channel ORDER BY channel`,
      [DELIVERY_WINDOW_HOURS],
    );
    return {
      windowHours: DELIVERY_WINDOW_HOURS,
      channels: rows.map((r) => deliveryRate(r.channel, Number(r.sent), Number(r.failed), Number(r.pending))),
    };
  }
}

/** Failed for good out of those that finished (sent or failed); pending ones have not finished yet. */
export function deliveryRate(channel: string, sent: number, failed: number, pending: number) {
  const finished = sent + failed;
  return { channel, sent, failed, pending, failureRate: finished === 0 ? null : failed / finished };
}
