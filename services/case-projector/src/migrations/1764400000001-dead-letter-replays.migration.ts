import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Which dead letters the admin CLI has put back on the case topic, so none is replayed twice. */
export class DeadLetterReplays1764400000001 implements MigrationInterface {
  name = 'DeadLetterReplays1764400000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projection.dead_letter_replays (
        dlq_topic   text        NOT NULL,
        partition   int         NOT NULL,
        "offset"    bigint      NOT NULL,
        event_id    uuid        NOT NULL,
        replayed_at timestamptz NOT NULL DEFAULT now(),
        replayed_by text        NOT NULL,
        PRIMARY KEY (dlq_topic, partition, "offset")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE projection.dead_letter_replays');
  }
}
