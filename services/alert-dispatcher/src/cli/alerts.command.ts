import { caseRefOf } from '@beacon/alerting-domain';
import { CASE_EVENTS_TOPIC } from '@beacon/events';
import { createKafka, topicName } from '@beacon/kafka';
import { createPool, withTransaction } from '@beacon/persistence';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { type DispatcherConfig, loadDispatcherConfig } from '../dispatcher.config';
import { AlertsRepository, type AlertRow } from '../alerts/alerts.repository';
import { EXIT, fail, print, table } from './cli-output';

async function withPool<T>(
  work: (config: DispatcherConfig, pool: ReturnType<typeof createPool>) => Promise<T>,
): Promise<T> {
  const config = loadDispatcherConfig();
  const pool = createPool(config.DATABASE_URL, 'beacon-cli', 2);
  try {
    return await work(config, pool);
  } finally {
    await pool.end();
  }
}

@SubCommand({ name: 'list', description: 'alerts, newest first (ids and case references only)' })
export class AlertsListCommand extends CommandRunner {
  @Option({ flags: '--status <status>', description: 'open, resolved or superseded' })
  parseStatus(value: string): string {
    if (!['open', 'resolved', 'superseded'].includes(value))
      throw new Error(`--status: one of open, resolved, superseded`);
    return value;
  }

  @Option({ flags: '--json', description: 'one JSON object per line' })
  parseJson(): boolean {
    return true;
  }

  async run(_: string[], options?: Record<string, unknown>): Promise<void> {
    const status = options?.status as AlertRow['status'] | undefined;
    await withPool(async (_config, pool) => {
      const rows = await new AlertsRepository().list(pool, {
        ...(status ? { status } : {}),
        limit: 200,
      });
      if (options?.json) {
        for (const r of rows)
          print(
            JSON.stringify({
              alertId: r.alert_id,
              caseRef: caseRefOf(r.case_id),
              region: r.region,
              urgency: r.urgency,
              status: r.status,
              tier: r.tier,
              raisedAt: r.raised_at,
              acknowledgedAt: r.acknowledged_at,
              acknowledgedBy: r.acknowledged_by,
            }),
          );
        return;
      }
      print(
        table(
          ['alert', 'case', 'region', 'urgency', 'status', 'tier', 'raised', 'acknowledged'],
          rows.map((r) => [
            r.alert_id,
            caseRefOf(r.case_id),
            r.region ?? '',
            r.urgency,
            r.status,
            String(r.tier),
            r.raised_at.toISOString(),
            r.acknowledged_at
              ? `${r.acknowledged_at.toISOString()} by ${r.acknowledged_by ?? '?'} (${r.acknowledged_via ?? '?'})`
              : '',
          ]),
        ),
      );
    });
  }
}

@SubCommand({
  name: 'rebuild',
  description:
    "rebuild the dispatcher's state by replaying the case topic; decides and sends nothing again. Run with every dispatcher stopped.",
})
export class AlertsRebuildCommand extends CommandRunner {
  @Option({ flags: '--force', description: 'even if a dispatcher reported in the last 15 seconds' })
  parseForce(): boolean {
    return true;
  }

  async run(_: string[], options?: Record<string, unknown>): Promise<void> {
    await withPool(async (config, pool) => {
      const { rows: live } = await pool.query<{ instance_id: string }>(
        `SELECT instance_id FROM alerting.dispatcher_instances WHERE seen_at > now() - interval '15 seconds'`,
      );
      if (live.length > 0 && !options?.force) {
        fail(
          `dispatchers still running (${live.map((l) => l.instance_id).join(', ')}): stop them first, or pass --force`,
          EXIT.tempFail,
        );
        return;
      }
      const { rows: unpublished } = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM alerting.outbox WHERE published_at IS NULL`,
      );
      if (Number(unpublished[0]?.n) > 0) {
        fail(
          `${unpublished[0]?.n} lifecycle event(s) not yet published: start a dispatcher until its outbox drains, then stop it and rebuild`,
          EXIT.tempFail,
        );
        return;
      }
      const topic = topicName({ topicPrefix: config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_TOPIC);
      const admin = createKafka({
        brokers: config.KAFKA_BROKERS,
        clientId: 'beacon-cli',
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
      }).admin();
      await admin.connect();
      let ends: { partition: number; high: string }[];
      try {
        ends = await admin.fetchTopicOffsets(topic);
      } finally {
        await admin.disconnect();
      }
      const replayed = ends.filter((e) => BigInt(e.high) > 0n);
      await withTransaction(pool, async (client) => {
        await client.query(
          `TRUNCATE alerting.case_states, alerting.escalations, alerting.incident_pages, alerting.replay_marks`,
        );
        // Replay reopens exactly the alerts that were open; meanwhile none holds a code or a dedup key.
        await client.query(
          `UPDATE alerting.alerts SET status = 'superseded' WHERE status = 'open'`,
        );
        // An empty partition has nothing to replay: a mark there would never be reached, and the
        // dispatcher would wait on it for good (no case reviews while any mark stands).
        for (const { partition, high } of replayed) {
          await client.query(
            `INSERT INTO alerting.replay_marks (topic, partition, until_offset) VALUES ($1, $2, $3)`,
            [topic, partition, high],
          );
        }
        await client.query(
          `UPDATE alerting.kafka_checkpoints SET next_offset = 0, updated_at = now() WHERE consumer = $1 AND topic = $2`,
          [config.CONSUMER_GROUP, topic],
        );
      });
      const total = replayed.reduce((n, e) => n + Number(e.high), 0);
      print(
        `rebuild prepared: the next dispatcher to start replays ${total} event(s) on ${replayed.length} partition(s) without deciding or sending, then carries on live`,
      );
    });
  }
}

@Command({
  name: 'alerts',
  description: 'alerts: list, rebuild',
  subCommands: [AlertsListCommand, AlertsRebuildCommand],
})
export class AlertsCommand extends CommandRunner {
  run(): Promise<void> {
    this.command.help();
  }
}
