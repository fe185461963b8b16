import { type Pool, type PoolClient } from 'pg';
import { quoteIdent, withTransaction } from './database';

export const outboxTableSql = (schema: string) => `
  CREATE TABLE ${quoteIdent(schema)}.outbox (
    position     bigserial PRIMARY KEY,
    event_id     uuid        NOT NULL UNIQUE,
    stream_key   text        NOT NULL,
    topic        text        NOT NULL,
    value        text        NOT NULL,
    headers      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
  );
  CREATE INDEX outbox_unpublished ON ${quoteIdent(schema)}.outbox (stream_key, position)
    WHERE published_at IS NULL`;

export interface OutboxRecord {
  eventId: string;
  /** Kafka key; records of one key are published in the order they were appended. */
  key: string;
  topic: string;
  value: string;
  headers: Record<string, string>;
}

/** Advisory-lock namespace shared by writers and relays of one outbox. */
export const OUTBOX_LOCK_SPACE = 0x6265;

export class Outbox {
  private readonly table: string;

  constructor(schema: string) {
    this.table = `${quoteIdent(schema)}.outbox`;
  }

  /**
   * Serialises writers of one key for the rest of the caller's transaction, so the order of
   * positions within a key is its commit order and a relay never sees a gap it could skip.
   */
  async lockKeys(client: PoolClient, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    // One round trip, in a fixed order so two writers can never deadlock on each other's keys.
    await client.query(
      'SELECT pg_advisory_xact_lock($1, hashtext(k)) FROM (SELECT DISTINCT unnest($2::text[]) AS k ORDER BY 1) keys',
      [OUTBOX_LOCK_SPACE, [...new Set(keys)]],
    );
  }

  async append(client: PoolClient, records: readonly OutboxRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.lockKeys(
      client,
      records.map((r) => r.key),
    );
    await client.query(
      `INSERT INTO ${this.table} (event_id, stream_key, topic, value, headers)
       SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
      [
        records.map((r) => r.eventId),
        records.map((r) => r.key),
        records.map((r) => r.topic),
        records.map((r) => r.value),
        records.map((r) => JSON.stringify(r.headers)),
      ],
    );
  }

  /**
   * Claims up to `maxKeys` keys nobody else is relaying, hands all their unpublished records
   * (in order) to `publish`, and marks them published only if it succeeded, all in one
   * transaction. Returns how many records were published.
   */
  async relayOnce(
    pool: Pool,
    publish: (records: OutboxRecord[]) => Promise<void>,
    maxKeys = 200,
  ): Promise<number> {
    return withTransaction(pool, async (client) => {
      // One statement picks the oldest waiting keys and locks those no writer or other relay
      // holds. Their records are read by the next statement, whose snapshot comes after the locks:
      // a relay that held a key and committed just before is then seen to have published it.
      const { rows: locked } = await client.query<{ stream_key: string }>({
        name: `outbox-lock-${this.table}`,
        text: `WITH candidates AS MATERIALIZED (
           SELECT stream_key FROM ${this.table} WHERE published_at IS NULL
            GROUP BY stream_key ORDER BY min(position) LIMIT $2
         )
         SELECT stream_key FROM candidates WHERE pg_try_advisory_xact_lock($1, hashtext(stream_key))`,
        values: [OUTBOX_LOCK_SPACE, maxKeys],
      });
      if (locked.length === 0) return 0;
      const { rows } = await client.query<{
        position: string;
        event_id: string;
        stream_key: string;
        topic: string;
        value: string;
        headers: Record<string, string>;
      }>(
        `SELECT position, event_id, stream_key, topic, value, headers FROM ${this.table}
         WHERE published_at IS NULL AND stream_key = ANY($1::text[]) ORDER BY position`,
        [locked.map((l) => l.stream_key)],
      );
      if (rows.length === 0) return 0;
      await publish(
        rows.map((r) => ({
          eventId: r.event_id,
          key: r.stream_key,
          topic: r.topic,
          value: r.value,
          headers: r.headers,
        })),
      );
      await client.query(
        `UPDATE ${this.table} SET published_at = now() WHERE position = ANY($1::bigint[])`,
        [rows.map((r) => r.position)],
      );
      return rows.length;
    });
  }

  async backlog(db: Pool): Promise<{ count: number; oldestAgeSeconds: number }> {
    const { rows } = await db.query<{ count: string; age: number | null }>(
      `SELECT count(*) AS count, EXTRACT(EPOCH FROM now() - min(created_at))::float AS age
       FROM ${this.table} WHERE published_at IS NULL`,
    );
    return { count: Number(rows[0]?.count ?? 0), oldestAgeSeconds: rows[0]?.age ?? 0 };
  }

  async isPublished(db: Pool, eventIds: readonly string[]): Promise<Map<string, boolean>> {
    const { rows } = await db.query<{ event_id: string; published: boolean }>(
      `SELECT event_id, published_at IS NOT NULL AS published FROM ${this.table} WHERE event_id = ANY($1::uuid[])`,
      [eventIds],
    );
    return new Map(rows.map((r) => [r.event_id, r.published]));
  }
}
