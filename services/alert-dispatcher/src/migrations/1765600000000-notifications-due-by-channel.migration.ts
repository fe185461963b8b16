import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Due messages by channel, in the order they are claimed. Every claim and every send leaves
 * a dead entry behind in this index until vacuum; claimed through the old index on due time
 * alone, the planner scanned the heap behind all of them (a bitmap scan, then a sort), so a
 * claim slowed with every message sent since the last vacuum. An index scan in due order
 * stops at the rows it takes, and marks the dead entries it passes so later claims skip them.
 */
export class NotificationsDueByChannel1765600000000 implements MigrationInterface {
  name = 'NotificationsDueByChannel1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX notifications_due_by_channel ON alerting.notifications (channel, next_attempt_at)
       WHERE status = 'pending'`,
    );
    await q.query(`DROP INDEX alerting.notifications_due`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX notifications_due ON alerting.notifications (next_attempt_at) WHERE status = 'pending'`,
    );
    await q.query(`DROP INDEX alerting.notifications_due_by_channel`);
  }
}
