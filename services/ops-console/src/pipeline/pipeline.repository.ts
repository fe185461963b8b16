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
}

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
    return {
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
}
