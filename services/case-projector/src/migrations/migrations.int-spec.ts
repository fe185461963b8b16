import { assessUrgency, foldCase, timelineEntry } from '@beacon/case-domain';
import { createPool, runMigrations, type Pool } from '@beacon/persistence';
import { createTestDatabase, type TestDatabase } from '@beacon/testing';
import { DataSource } from 'typeorm';
import { CaseProjection } from '../projection/case.projection';
import { ReadModelVersionsRepository } from '../read-models/read-model-versions.repository';
import { ReadModelRepository } from '../read-models/read-model.repository';
import { pastCaseEvents, recordOf } from '../testing/projection.fixtures';
import { ProjectionSchema1764201700000 } from './1764201700000-projection-schema.migration';
import { projectionMigrations } from './index';

describe('projection migrations', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('beacon_projection_migrations');
    pool = createPool(db.url, 'migrations-test');
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const events = pastCaseEvents(20, 9);
  const caseIds = [...new Set(events.map((e) => e.subject))];

  it('upgrades read models written by the first schema in place, and the projector carries on', async () => {
    await runMigrations(db.url, 'projection', [ProjectionSchema1764201700000]);
    // What the walking skeleton's projector wrote: the whole state as JSON, one checkpoint per partition.
    const now = new Date();
    for (const caseId of caseIds) {
      const own = events.filter((e) => e.subject === caseId);
      const state = foldCase(caseId, own);
      const { urgency, reasons } = assessUrgency(state, now);
      await pool.query(
        `INSERT INTO projection.cases (case_id, incident_id, person_ref, region, custody, location_status, access, removal_risk,
           closed, urgency, urgency_reasons, state, opened_at, last_occurred_at, updated_at, event_count, last_partition, last_offset)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 0, 0)`,
        [
          caseId,
          state.incidentId,
          state.personRef,
          state.region,
          state.custody,
          state.locationStatus,
          state.access,
          state.removalRisk,
          state.closed,
          urgency,
          reasons,
          JSON.stringify(state),
          state.openedAt,
          state.lastOccurredAt,
          now,
          own.length,
        ],
      );
      for (const e of own) {
        const t = timelineEntry(e);
        await pool.query(
          `INSERT INTO projection.case_timeline VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0)`,
          [t.eventId, caseId, t.type, t.name, t.occurredAt, t.recordedAt, t.summary],
        );
      }
    }
    await pool.query(
      `INSERT INTO projection.kafka_checkpoints (consumer, topic, partition, next_offset) VALUES ('case-projector', 't', 0, $1)`,
      [events.length],
    );

    const applied = await runMigrations(db.url, 'projection', projectionMigrations);

    expect(applied).toEqual([
      'VersionedReadModels1764400000000',
      'DeadLetterReplays1764400000001',
      'CaseIdentity1765400000000',
      'ErasedPeopleIndex1766000000000',
    ]);
    const erased = await pool.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'projection' AND tablename = 'case_identity_v1'
         AND indexdef LIKE '%(person_ref) WHERE (erased_at IS NOT NULL)'`,
    );
    expect(erased.rows).toHaveLength(1);
    const cases = await pool.query<{ n: number; reviewed: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE last_recorded_at IS NOT NULL)::int AS reviewed FROM projection.cases`,
    );
    expect(cases.rows[0]).toEqual({ n: caseIds.length, reviewed: caseIds.length });
    const counts = await pool.query<{ n: number }>(
      `SELECT sum(cases)::int AS n FROM projection.case_counts`,
    );
    expect(counts.rows[0]?.n).toBe(caseIds.length);
    const checkpoints = await pool.query(
      `SELECT consumer, next_offset FROM projection.kafka_checkpoints`,
    );
    expect(checkpoints.rows).toEqual([
      { consumer: 'case-projector@v1', next_offset: String(events.length) },
    ]);

    // A new event for an upgraded case folds onto the state stored whole by the old projector.
    const target = events[events.length - 1]!;
    const extra = {
      ...target,
      id: '00000000-0000-4000-8000-0000000000aa',
      occurredat: new Date().toISOString(),
      time: new Date().toISOString(),
    };
    const projection = new CaseProjection(
      pool,
      'case-projector',
      new ReadModelVersionsRepository(pool),
      new ReadModelRepository(),
    );
    await projection.apply('t', 0, [recordOf(extra, 't', 0, events.length)], () =>
      Promise.resolve(),
    );
    const updated = await pool.query<{ event_count: number }>(
      `SELECT event_count FROM projection.cases WHERE case_id = $1`,
      [target.subject],
    );
    expect(updated.rows[0]?.event_count).toBe(
      events.filter((e) => e.subject === target.subject).length + 1,
    );
  });

  it('reverts to the first schema', async () => {
    const source = new DataSource({
      type: 'postgres',
      url: db.url,
      schema: 'projection',
      migrationsTableName: 'migrations',
      migrations: projectionMigrations,
    });
    await source.initialize();
    try {
      for (let i = 0; i < 4; i++) await source.undoLastMigration({ transaction: 'each' });
    } finally {
      await source.destroy();
    }
    const tables = await pool.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'projection' ORDER BY 1`,
    );
    expect(tables.rows.map((r) => r.name)).toEqual([
      'case_timeline',
      'cases',
      'kafka_checkpoints',
      'migrations',
    ]);
    const checkpoints = await pool.query(`SELECT consumer FROM projection.kafka_checkpoints`);
    expect(checkpoints.rows).toEqual([{ consumer: 'case-projector' }]);
  });
});
