import { type Pool, type PoolClient } from 'pg';
import { quoteIdent } from './database';

export const checkpointsTableSql = (schema: string) => `
  CREATE TABLE ${quoteIdent(schema)}.kafka_checkpoints (
    consumer    text   NOT NULL,
    topic       text   NOT NULL,
    partition   int    NOT NULL,
    next_offset bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic, partition)
  )`;

/**
 * Kafka positions stored beside the state derived from them, written in the same
 * transaction: a crash can never apply an event twice or skip one.
 */
export class CheckpointStore {
  private readonly table: string;

  constructor(
    schema: string,
    private readonly consumer: string,
  ) {
    this.table = `${quoteIdent(schema)}.kafka_checkpoints`;
  }

  async load(db: Pool | PoolClient, topic: string): Promise<Map<number, string>> {
    const { rows } = await db.query<{ partition: number; next_offset: string }>(
      `SELECT partition, next_offset FROM ${this.table} WHERE consumer = $1 AND topic = $2`,
      [this.consumer, topic],
    );
    return new Map(rows.map((r) => [r.partition, r.next_offset]));
  }

  /** Locks the partition's row for the batch's transaction and returns the next offset to apply. */
  async lock(client: PoolClient, topic: string, partition: number): Promise<bigint> {
    await client.query(
      `INSERT INTO ${this.table} (consumer, topic, partition, next_offset) VALUES ($1, $2, $3, 0)
       ON CONFLICT DO NOTHING`,
      [this.consumer, topic, partition],
    );
    const { rows } = await client.query<{ next_offset: string }>(
      `SELECT next_offset FROM ${this.table} WHERE consumer = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
      [this.consumer, topic, partition],
    );
    return BigInt(rows[0]?.next_offset ?? '0');
  }

  async advance(client: PoolClient, topic: string, partition: number, nextOffset: bigint): Promise<void> {
    await client.query(
      `UPDATE ${this.table} SET next_offset = $4, updated_at = now()
       WHERE consumer = $1 AND topic = $2 AND partition = $3`,
      [this.consumer, topic, partition, nextOffset.toString()],
    );
  }
}
