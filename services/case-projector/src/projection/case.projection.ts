import { type CaseEvent, decodeFromKafka } from '@beacon/events';
import { type IncomingRecord } from '@beacon/kafka';
import { CheckpointStore, withTransaction, type Pool } from '@beacon/persistence';
import { checkpointConsumer, type ReadModelVersionsRepository } from '../read-models/read-model-versions.repository';
import { type ReadModelRepository } from '../read-models/read-model.repository';

export interface DeadLetter {
  record: IncomingRecord;
  reason: string;
  message: string;
}

export interface BatchOutcome {
  applied: number;
  skipped: number;
  duplicates: number;
  deadLettered: DeadLetter[];
  version: number;
}

/**
 * Folds a partition's batch into the active read-model version: one transaction, set-based writes,
 * the checkpoint advanced in the same transaction. Records below the checkpoint were already
 * applied and are skipped, so a redelivered batch changes nothing.
 */
export class CaseProjection {
  constructor(
    private readonly pool: Pool,
    private readonly group: string,
    private readonly versions: ReadModelVersionsRepository,
    private readonly readModels: ReadModelRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Positions of the active version, where a consumer resumes after an assignment. */
  async storedOffsets(topic: string): Promise<Map<number, string>> {
    const version = await this.versions.active();
    return new CheckpointStore('projection', checkpointConsumer(this.group, version)).load(this.pool, topic);
  }

  async apply(
    topic: string,
    partition: number,
    records: readonly IncomingRecord[],
    deadLetter: (letters: DeadLetter[]) => Promise<void>,
  ): Promise<BatchOutcome> {
    return withTransaction(this.pool, async (client) => {
      // After a switch-over this sees the new version, whose checkpoint is at or past ours.
      await this.versions.enterFence(client);
      const version = await this.versions.active(client);
      const checkpoints = new CheckpointStore('projection', checkpointConsumer(this.group, version));
      const next = await checkpoints.lock(client, topic, partition);
      const fresh = records.filter((r) => BigInt(r.offset) >= next);
      const last = records[records.length - 1];
      if (fresh.length === 0 || !last) {
        return { applied: 0, skipped: records.length, duplicates: 0, deadLettered: [], version };
      }

      const events: { event: CaseEvent; partition: number; offset: string }[] = [];
      const letters: DeadLetter[] = [];
      for (const record of fresh) {
        const decoded = decodeFromKafka(record);
        if (decoded.ok) events.push({ event: decoded.event, partition, offset: record.offset });
        else letters.push({ record, reason: decoded.reason, message: decoded.message });
      }
      // Dead letters are written before the checkpoint moves past them; a crash in between
      // can only repeat a dead letter, never lose one.
      if (letters.length > 0) await deadLetter(letters);
      const outcome = await this.readModels.write(client, version, events, this.clock());
      await checkpoints.advance(client, topic, partition, BigInt(last.offset) + 1n);
      return {
        applied: outcome.applied,
        skipped: records.length - fresh.length,
        duplicates: outcome.duplicates,
        deadLettered: letters,
        version,
      };
    });
  }
}
