import { type Pool, type PoolClient } from '@beacon/persistence';
import { Injectable } from '@nestjs/common';

/** Per partition, the offset below which a rebuild folds events without deciding again. */
@Injectable()
export class ReplayMarks {
  async clear(client: PoolClient, topic: string, partition: number): Promise<void> {
    await client.query(`DELETE FROM alerting.replay_marks WHERE topic = $1 AND partition = $2`, [
      topic,
      partition,
    ]);
  }

  async set(
    db: Pool | PoolClient,
    topic: string,
    marks: ReadonlyMap<number, string>,
  ): Promise<void> {
    for (const [partition, offset] of marks) {
      await db.query(
        `INSERT INTO alerting.replay_marks (topic, partition, until_offset) VALUES ($1, $2, $3)
         ON CONFLICT (topic, partition) DO UPDATE SET until_offset = EXCLUDED.until_offset`,
        [topic, partition, offset],
      );
    }
  }
}
