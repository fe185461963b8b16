import { assessUrgency, evolve, initialCaseState, timelineEntry, type CaseState } from '@beacon/case-domain';
import { type CaseEvent, decodeFromKafka } from '@beacon/events';
import { type IncomingRecord } from '@beacon/kafka';
import { CheckpointStore, withTransaction, type Pool, type PoolClient } from '@beacon/persistence';

export interface DeadLetter {
  record: IncomingRecord;
  reason: string;
  message: string;
}

export interface BatchOutcome {
  applied: number;
  skipped: number;
  deadLettered: DeadLetter[];
}

/**
 * Folds a partition's batch into the case read models: one transaction, set-based writes,
 * the checkpoint advanced in the same transaction. Records below the checkpoint were
 * already applied and are skipped, so a redelivered batch changes nothing.
 */
export class CaseProjection {
  private readonly checkpoints: CheckpointStore;

  constructor(
    private readonly pool: Pool,
    consumer: string,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.checkpoints = new CheckpointStore('projection', consumer);
  }

  storedOffsets(topic: string): Promise<Map<number, string>> {
    return this.checkpoints.load(this.pool, topic);
  }

  async apply(
    topic: string,
    partition: number,
    records: readonly IncomingRecord[],
    deadLetter: (letters: DeadLetter[]) => Promise<void>,
  ): Promise<BatchOutcome> {
    return withTransaction(this.pool, async (client) => {
      const next = await this.checkpoints.lock(client, topic, partition);
      const fresh = records.filter((r) => BigInt(r.offset) >= next);
      const last = records[records.length - 1];
      if (fresh.length === 0 || !last) return { applied: 0, skipped: records.length, deadLettered: [] };

      const events: { event: CaseEvent; offset: string }[] = [];
      const letters: DeadLetter[] = [];
      for (const record of fresh) {
        const decoded = decodeFromKafka(record);
        if (decoded.ok) events.push({ event: decoded.event, offset: record.offset });
        else letters.push({ record, reason: decoded.reason, message: decoded.message });
      }
      // Dead letters are written before the checkpoint moves past them; a crash in between
      // can only repeat a dead letter, never lose one.
      if (letters.length > 0) await deadLetter(letters);
      if (events.length > 0) await this.write(client, partition, events);
      await this.checkpoints.advance(client, topic, partition, BigInt(last.offset) + 1n);
      return { applied: events.length, skipped: records.length - fresh.length, deadLettered: letters };
    });
  }

  private async write(client: PoolClient, partition: number, items: { event: CaseEvent; offset: string }[]) {
    const caseIds = [...new Set(items.map((i) => i.event.subject))];
    const { rows } = await client.query<{ case_id: string; state: CaseState; event_count: number }>(
      `SELECT case_id, state, event_count FROM projection.cases WHERE case_id = ANY($1::uuid[]) FOR UPDATE`,
      [caseIds],
    );
    const states = new Map(rows.map((r) => [r.case_id, { state: r.state, count: r.event_count, offset: '0' }]));
    for (const { event, offset } of items) {
      const current = states.get(event.subject) ?? { state: initialCaseState(event.subject), count: 0, offset };
      const state = evolve(current.state, event);
      states.set(event.subject, { state, count: current.count, offset });
    }
    const now = this.clock();
    const list = [...states.entries()].filter(([caseId]) => caseIds.includes(caseId));
    const assessed = list.map(([caseId, s]) => ({ caseId, ...s, urgency: assessUrgency(s.state, now) }));
    await client.query(
      `INSERT INTO projection.cases AS c (case_id, incident_id, person_ref, region, custody, location_status, access,
         removal_risk, closed, urgency, urgency_reasons, state, opened_at, last_occurred_at, updated_at, event_count,
         last_partition, last_offset)
       SELECT u.case_id, u.incident_id, u.person_ref, u.region, u.custody, u.location_status, u.access, u.removal_risk,
         u.closed, u.urgency, string_to_array(u.reasons, ','), u.state, u.opened_at, u.last_occurred_at, $17, u.event_count,
         $18, u.last_offset
       FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
         $9::boolean[], $10::text[], $11::text[], $12::jsonb[], $13::timestamptz[], $14::timestamptz[], $15::int[],
         $16::bigint[])
         AS u(case_id, incident_id, person_ref, region, custody, location_status, access, removal_risk, closed, urgency,
              reasons, state, opened_at, last_occurred_at, event_count, last_offset)
       ON CONFLICT (case_id) DO UPDATE SET incident_id = EXCLUDED.incident_id, person_ref = EXCLUDED.person_ref,
         region = EXCLUDED.region, custody = EXCLUDED.custody, location_status = EXCLUDED.location_status,
         access = EXCLUDED.access, removal_risk = EXCLUDED.removal_risk, closed = EXCLUDED.closed,
         urgency = EXCLUDED.urgency, urgency_reasons = EXCLUDED.urgency_reasons, state = EXCLUDED.state,
         opened_at = EXCLUDED.opened_at, last_occurred_at = EXCLUDED.last_occurred_at, updated_at = EXCLUDED.updated_at,
         event_count = EXCLUDED.event_count, last_partition = EXCLUDED.last_partition, last_offset = EXCLUDED.last_offset`,
      [
        assessed.map((a) => a.caseId),
        assessed.map((a) => a.state.incidentId),
        assessed.map((a) => a.state.personRef),
        assessed.map((a) => a.state.region),
        assessed.map((a) => a.state.custody),
        assessed.map((a) => a.state.locationStatus),
        assessed.map((a) => a.state.access),
        assessed.map((a) => a.state.removalRisk),
        assessed.map((a) => a.state.closed),
        assessed.map((a) => a.urgency.urgency),
        assessed.map((a) => a.urgency.reasons.join(',')),
        assessed.map((a) => JSON.stringify(a.state)),
        assessed.map((a) => a.state.openedAt),
        assessed.map((a) => a.state.lastOccurredAt),
        assessed.map((a) => a.count),
        assessed.map((a) => a.offset),
        now,
        partition,
      ],
    );
    const entries = items.map(({ event, offset }) => ({ entry: timelineEntry(event), caseId: event.subject, offset }));
    await client.query(
      `INSERT INTO projection.case_timeline (event_id, case_id, event_type, event_name, occurred_at, recorded_at, summary,
         partition, "offset")
       SELECT e.event_id, e.case_id, e.event_type, e.event_name, e.occurred_at, e.recorded_at, e.summary, $9, e.off
       FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[],
         $8::bigint[]) AS e(event_id, case_id, event_type, event_name, occurred_at, recorded_at, summary, off)
       ON CONFLICT (event_id) DO NOTHING`,
      [
        entries.map((e) => e.entry.eventId),
        entries.map((e) => e.caseId),
        entries.map((e) => e.entry.type),
        entries.map((e) => e.entry.name),
        entries.map((e) => e.entry.occurredAt),
        entries.map((e) => e.entry.recordedAt),
        entries.map((e) => e.entry.summary),
        entries.map((e) => e.offset),
        partition,
      ],
    );
    // Counted from the timeline, which holds each event id once however often it was delivered.
    await client.query(
      `UPDATE projection.cases c SET event_count = t.n
       FROM (SELECT case_id, count(*)::int AS n FROM projection.case_timeline WHERE case_id = ANY($1::uuid[]) GROUP BY case_id) t
       WHERE c.case_id = t.case_id`,
      [caseIds],
    );
  }
}
