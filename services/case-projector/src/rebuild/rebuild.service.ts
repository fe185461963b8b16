import { CASE_EVENTS_DLQ_TOPIC, CASE_EVENTS_TOPIC } from '@beacon/events';
import { EventProducer, topicName, type Kafka } from '@beacon/kafka';
import { CheckpointStore, type Pool } from '@beacon/persistence';
import { deadLetterRecords } from '../dead-letters/dead-letter.records';
import { type ProjectorConfig } from '../projector.config';
import { checkpointConsumer, type ReadModelVersionsRepository } from '../read-models/read-model-versions.repository';
import { type ReadModelRepository } from '../read-models/read-model.repository';
import { InProcessReplay, type ReplayRunner, type ReplaySpec, type ReplayTotals, WorkerThreadReplay } from './replay.runner';
import { type DeadLetter } from '../projection/case.projection';

export interface RebuildOptions {
  /** Drop an unfinished rebuild instead of resuming it. */
  restart?: boolean;
  /** Keep the replaced version's tables (for comparison or rollback) instead of dropping them. */
  keepPrevious?: boolean;
  /** Longest the switch-over may wait, holding the live projector, for the rebuild to reach it. */
  switchTimeoutMs?: number;
  onProgress?: (progress: RebuildProgress) => void;
}

export interface RebuildProgress {
  version: number;
  applied: number;
  lag: number;
  eventsPerSecond: number;
}

export interface RebuildResult {
  version: number;
  previous: number;
  resumed: boolean;
  applied: number;
  duplicates: number;
  poison: number;
  deadLettered: number;
  seconds: number;
  /** From the first record fetched to the catch-up before switching. */
  replaySeconds: number;
  /** How long the live projector was held at switch-over. */
  switchMs: number;
  previousDropped: boolean;
}

export class RebuildError extends Error {
  override readonly name = 'RebuildError';
}

/**
 * Replays the case topic from the beginning into a new read-model version while the active one
 * keeps serving, then switches the views over in one transaction. See docs/projections.md.
 */
export class ProjectionRebuild {
  constructor(
    private readonly config: ProjectorConfig,
    private readonly pool: Pool,
    private readonly kafka: Kafka,
    private readonly versions: ReadModelVersionsRepository,
    private readonly readModels: ReadModelRepository,
  ) {}

  async run(options: RebuildOptions = {}): Promise<RebuildResult> {
    const started = Date.now();
    const release = await this.versions.lockRebuild();
    if (!release) throw new RebuildError('another rebuild is running');
    try {
      const topic = topicName({ topicPrefix: this.config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_TOPIC);
      await this.endOffsets(topic);
      const { version, resumed } = await this.versions.beginBuilding(options.restart ?? false);
      const groupId = `${this.config.CONSUMER_GROUP}.rebuild.v${version}.${Date.now().toString(36)}`;
      const spec: ReplaySpec = {
        config: this.config,
        topic,
        groupId,
        checkpointConsumer: checkpointConsumer(this.config.CONSUMER_GROUP, version),
        version,
      };
      const replay: ReplayRunner =
        this.config.REBUILD_WORKERS === 0
          ? new InProcessReplay(spec, this.pool, this.kafka, this.readModels)
          : new WorkerThreadReplay(spec, this.config.REBUILD_WORKERS);
      let producer: EventProducer | null = null;
      try {
        // Every partition gets a position from the start, so every assignment seeks to it.
        await this.seedPositions(topic, spec.checkpointConsumer);
        await replay.start();
        // Catch up with the log as it is now, then again with what arrived meanwhile, until little is left.
        for (let round = 0; ; round++) {
          const lag = await this.catchUp(replay, topic, version, options);
          if (lag <= this.config.REBUILD_WINDOW_EVENTS || round >= 20) break;
        }
        // The readers' indexes, in one pass over what is written (writers wait meanwhile), then
        // what arrived while they were built: the replay has not ended until both are done.
        await this.versions.completeIndexes(version);
        await this.catchUp(replay, topic, version, options);
        const replayEnded = Date.now();
        const switchStarted = Date.now();
        const { previous, deadLettered, totals } = await this.switchOver(replay, topic, version, options, async (letters) => {
          producer ??= new EventProducer(this.kafka);
          await producer.send(topicName({ topicPrefix: this.config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_DLQ_TOPIC), deadLetterRecords(letters));
        });
        const switchMs = Date.now() - switchStarted;
        let previousDropped = false;
        if (!options.keepPrevious) {
          await this.versions.drop(previous);
          previousDropped = true;
        }
        const firstRecordAt = totals.firstRecordAt;
        return {
          version,
          previous,
          resumed,
          applied: totals.applied,
          duplicates: totals.duplicates,
          poison: totals.poison.length,
          deadLettered,
          seconds: (Date.now() - started) / 1000,
          replaySeconds: firstRecordAt === null ? 0 : (replayEnded - firstRecordAt) / 1000,
          switchMs,
          previousDropped,
        };
      } finally {
        await replay.close().catch(() => undefined);
        await (producer as EventProducer | null)?.disconnect().catch(() => undefined);
        await this.deleteGroup(groupId);
      }
    } finally {
      await release();
    }
  }

  /** Waits until the rebuild has applied everything up to the current end of the log; returns what was left then. */
  private async catchUp(consumer: ReplayRunner, topic: string, version: number, options: RebuildOptions): Promise<number> {
    const targets = await this.endOffsets(topic);
    const lagOf = () => [...targets].reduce((sum, [p, end]) => sum + Number(end > consumer.position(p) ? end - consumer.position(p) : 0n), 0);
    const initialLag = lagOf();
    const began = Date.now();
    const appliedBefore = consumer.applied();
    for (;;) {
      const lag = lagOf();
      const seconds = (Date.now() - began) / 1000;
      const applied = consumer.applied();
      options.onProgress?.({ version, applied, lag, eventsPerSecond: seconds > 0 ? (applied - appliedBefore) / seconds : 0 });
      if (lag === 0) return initialLag;
      await Promise.race([consumer.whenFailed(), sleep(250)]);
    }
  }

  /**
   * Holds the fence exclusively (live batches wait), lets the rebuild reach every position the
   * live projector has applied, and repoints the views in the same transaction. Records the live
   * projector never saw and this build cannot read are dead-lettered first.
   */
  private async switchOver(
    consumer: ReplayRunner,
    topic: string,
    version: number,
    options: RebuildOptions,
    deadLetter: (letters: DeadLetter[]) => Promise<void>,
  ): Promise<{ previous: number; deadLettered: number; totals: ReplayTotals }> {
    const timeoutMs = options.switchTimeoutMs ?? 120_000;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await this.versions.lockFenceExclusively(client);
      const active = await this.versions.active(client);
      const live = await new CheckpointStore('projection', checkpointConsumer(this.config.CONSUMER_GROUP, active)).load(client, topic);
      const deadline = Date.now() + timeoutMs;
      while (![...live].every(([p, offset]) => consumer.position(p) >= BigInt(offset))) {
        if (Date.now() > deadline) throw new RebuildError(`the rebuild did not reach the live positions within ${timeoutMs} ms`);
        await Promise.race([consumer.whenFailed(), sleep(50)]);
      }
      const totals = await consumer.stop();
      const unseen = totals.poison.filter((l) => BigInt(l.record.offset) >= BigInt(live.get(l.record.partition) ?? '0'));
      if (unseen.length > 0) await deadLetter(unseen);
      // Readers queue behind the view swap, so it comes last and may not wait long for any one of them;
      // the fence stays held while it is retried, so the positions above still hold.
      await client.query(`SET LOCAL lock_timeout = '5s'`);
      for (let attempt = 1; ; attempt++) {
        await client.query('SAVEPOINT swap');
        try {
          const previous = await this.versions.switchTo(client, version);
          await client.query('COMMIT');
          return { previous, deadLettered: unseen.length, totals };
        } catch (error) {
          const code = (error as { code?: string }).code;
          if ((code !== '55P03' && code !== '40P01') || attempt >= 10) throw error;
          await client.query('ROLLBACK TO SAVEPOINT swap');
        }
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async seedPositions(topic: string, consumer: string): Promise<void> {
    const partitions = [...(await this.endOffsets(topic)).keys()];
    await this.pool.query(
      `INSERT INTO projection.kafka_checkpoints (consumer, topic, partition, next_offset)
       SELECT $1, $2, p, 0 FROM unnest($3::int[]) AS p ON CONFLICT DO NOTHING`,
      [consumer, topic, partitions],
    );
  }

  private async endOffsets(topic: string): Promise<Map<number, bigint>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(topic)) throw new RebuildError(`topic ${topic} does not exist: nothing to rebuild from`);
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    } finally {
      await admin.disconnect();
    }
  }

  private async deleteGroup(groupId: string): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([groupId]);
    } catch {
      // Leaving an empty group behind is harmless; it expires with the broker's offsets retention.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
