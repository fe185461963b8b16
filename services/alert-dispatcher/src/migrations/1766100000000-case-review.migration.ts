import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * When the dispatcher must look at a case again without a new event: contact-lost coming due
 * for a detained person, or an urgency the clock changes. Every case is due at once after the
 * upgrade, so each one is reviewed once and given its own time.
 */
export class CaseReview1766100000000 implements MigrationInterface {
  name = 'CaseReview1766100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE alerting.case_states ADD COLUMN review_at timestamptz`);
    await q.query(`UPDATE alerting.case_states SET review_at = now()`);
    // A rebuild once marked empty partitions too; no event ever reaches such a mark, and no case
    // is reviewed while one stands.
    await q.query(`DELETE FROM alerting.replay_marks WHERE until_offset = 0`);
    await q.query(
      `CREATE INDEX case_states_review_due ON alerting.case_states (review_at) WHERE review_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX alerting.case_states_review_due`);
    await q.query(`ALTER TABLE alerting.case_states DROP COLUMN review_at`);
  }
}
