import {
  createTestDatabase,
  freePort,
  requireInfrastructure,
  startSmtpCapture,
  uniqueName,
  type SmtpCapture,
} from '@beacon/testing';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  aCase,
  eventually,
  routingFile,
  sharedInfrastructure,
  startDispatcher,
  type Harness,
  type SharedInfrastructure,
} from '../testing/dispatcher.harness';

const root = path.resolve(__dirname, '../../../..');

/**
 * `beacon alerts rebuild` on a topic with an empty partition (one case, several partitions): the
 * replay ends, so the dispatcher decides live again and reviews its cases.
 */
describe('beacon alerts rebuild', () => {
  let infra: SharedInfrastructure;
  let smtp: SmtpCapture;
  let harness: Harness | null = null;
  let env: Record<string, string>;

  beforeAll(async () => {
    infra = await sharedInfrastructure(
      await createTestDatabase('beacon_alerting_rebuild'),
      requireInfrastructure('KAFKA_BROKERS'),
      `${uniqueName('rebuild')}.`,
    );
    smtp = await startSmtpCapture();
    env = {
      DATABASE_URL: infra.database.url,
      KAFKA_BROKERS: infra.brokers,
      KAFKA_TOPIC_PREFIX: infra.topicPrefix,
      ROUTING_CONFIG_PATH: routingFile(),
      SMTP_URL: smtp.url,
    };
  });

  afterAll(async () => {
    await harness?.stop();
    await smtp?.stop();
    await infra?.close();
  });

  it('replays the partitions that hold events and leaves no mark on an empty one', async () => {
    harness = await startDispatcher(infra, await freePort(), env);
    const victim = aCase('shymkent');
    await harness.publish([victim.detained()]);
    await eventually(
      harness.db,
      `SELECT 1 FROM alerting.outbox WHERE stream_key = $1 AND published_at IS NOT NULL`,
      [victim.caseId],
      (rows) => rows.length > 0,
      'the alert raised and published',
    );
    await eventually(
      harness.db,
      `SELECT 1 FROM alerting.outbox WHERE published_at IS NULL`,
      [],
      (rows) => rows.length === 0,
      'the outbox drained',
    );
    await harness.stop();
    harness = null;

    const rebuild = spawnSync(
      process.execPath,
      [path.join(root, 'bin/beacon.mjs'), 'alerts', 'rebuild', '--force'],
      { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' },
    );
    expect(rebuild.stderr).toBe('');
    expect(rebuild.status).toBe(0);
    // One case: its events are all on one partition; the others are empty.
    expect(rebuild.stdout).toMatch(/replays \d+ event\(s\) on 1 partition\(s\)/);

    harness = await startDispatcher(infra, await freePort(), env);
    await eventually(
      harness.db,
      `SELECT partition FROM alerting.replay_marks`,
      [],
      (rows) => rows.length === 0,
      'every replay mark cleared',
    );
    // Live again: the case is back, with its time for review, and its alert open as before.
    const { rows } = await harness.db.query<{ review_at: Date | null; status: string }>(
      `SELECT s.review_at, a.status FROM alerting.case_states s JOIN alerting.alerts a USING (case_id)
       WHERE s.case_id = $1 AND a.status = 'open'`,
      [victim.caseId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.review_at).not.toBeNull();
  });
});
