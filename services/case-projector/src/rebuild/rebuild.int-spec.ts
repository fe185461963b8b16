import { CASE_EVENTS_DLQ_TOPIC, CASE_EVENTS_TOPIC, EXAMPLES, encodeForKafka } from '@beacon/events';
import { createKafka, ensureTopics, EventProducer, topicName, type Kafka } from '@beacon/kafka';
import { createPool, runMigrations, type Pool } from '@beacon/persistence';
import { createTestDatabase, requireInfrastructure, uniqueName, waitFor, type TestDatabase } from '@beacon/testing';
import { randomUUID } from 'node:crypto';
import { projectionMigrations } from '../migrations';
import { ProjectionConsumer } from '../projection/projection.consumer';
import { loadProjectorConfig, type ProjectorConfig } from '../projector.config';
import { ReadModelVersionsRepository } from '../read-models/read-model-versions.repository';
import { ReadModelRepository } from '../read-models/read-model.repository';
import { foldAll, pastCaseEvents, snapshot } from '../testing/projection.fixtures';
import { ProjectionRebuild } from './rebuild.service';

describe(ProjectionRebuild.name, () => {
  let db: TestDatabase;
  let pool: Pool;
  let kafka: Kafka;
  let config: ProjectorConfig;
  let producer: EventProducer;
  let topic: string;
  const events = pastCaseEvents(200, 21, 2_500);
  const later = pastCaseEvents(30, 22);

  beforeAll(async () => {
    db = await createTestDatabase('beacon_rebuild');
    await runMigrations(db.url, 'projection', projectionMigrations);
    pool = createPool(db.url, 'rebuild-test');
    config = loadProjectorConfig({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: requireInfrastructure('KAFKA_BROKERS'),
      KAFKA_TOPIC_PREFIX: `${uniqueName('rebuild')}.`,
      REBUILD_WORKERS: '0',
      REBUILD_WINDOW_EVENTS: '700',
      URGENCY_REVIEW_INTERVAL_MS: '0',
    });
    kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'rebuild-test', topicPrefix: config.KAFKA_TOPIC_PREFIX });
    topic = topicName({ topicPrefix: config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_TOPIC);
    await ensureTopics(kafka, [
      { topic, numPartitions: 3 },
      { topic: topicName({ topicPrefix: config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_DLQ_TOPIC), numPartitions: 1 },
    ]);
    producer = new EventProducer(kafka);
  });

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    const admin = kafka?.admin();
    await admin?.connect();
    await admin?.deleteTopics({ topics: [topic, topicName({ topicPrefix: config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_DLQ_TOPIC)] }).catch(() => undefined);
    await admin?.disconnect();
    await pool?.end();
    await db?.drop();
  });

  const poison = () => {
    const record = encodeForKafka({ ...EXAMPLES['released'], id: randomUUID(), subject: randomUUID() });
    return { key: record.key, value: record.value, headers: { ...record.headers, ce_type: 'org.beacon.released.v7' } };
  };
  const produce = (list: typeof events) => producer.send(topic, list.map(encodeForKafka));
  const applied = async (consumer: string) => {
    const { rows } = await pool.query<{ n: string }>(`SELECT coalesce(sum(next_offset), 0) AS n FROM projection.kafka_checkpoints WHERE consumer = $1`, [consumer]);
    return Number(rows[0]?.n);
  };
  /** A version's indexes without their names: what readers can rely on, whichever version serves. */
  const indexShapes = async (version: number) => {
    const { rows } = await pool.query<{ model: string; shape: string }>(
      `SELECT regexp_replace(tablename, '_v[0-9]+$', '') AS model,
              regexp_replace(indexdef, '^CREATE (UNIQUE )?INDEX \\S+ ON \\S+', 'CREATE \\1INDEX ON') AS shape
       FROM pg_indexes WHERE schemaname = 'projection' AND tablename ~ ('_v' || $1 || '$') ORDER BY 1, 2`,
      [version],
    );
    return rows;
  };
  const live = () => new ProjectionConsumer(config, pool, new ReadModelVersionsRepository(pool), new ReadModelRepository());
  const rebuild = () => new ProjectionRebuild(config, pool, kafka, new ReadModelVersionsRepository(pool), new ReadModelRepository());

  it('replays the topic into a new version equal to the live one, then switches the views over', async () => {
    await produce(events.slice(0, 1_000));
    await producer.send(topic, [poison()]);
    await produce(events.slice(1_000));
    const projector = live();
    projector.onApplicationBootstrap();
    try {
      await waitFor(async () => (await applied(`${config.CONSUMER_GROUP}@v1`)) === events.length + 1, { timeoutMs: 60_000, what: 'the live projection' });
    } finally {
      await projector.onApplicationShutdown();
    }
    const before = await snapshot(pool);

    const result = await rebuild().run({ keepPrevious: true });

    expect(result).toMatchObject({ version: 2, previous: 1, applied: events.length, poison: 1, deadLettered: 0, previousDropped: false });
    expect(await snapshot(pool, 2)).toEqual(await snapshot(pool, 1));
    // Built after the replay caught up, the readers' indexes are all there before the switch.
    expect(await indexShapes(2)).toEqual(await indexShapes(1));
    expect((await indexShapes(2)).length).toBeGreaterThan(10);
    expect(await snapshot(pool)).toEqual(before);
    const versions = await pool.query<{ version: number; status: string }>('SELECT version, status FROM projection.read_model_versions ORDER BY version');
    expect(versions.rows).toEqual([
      { version: 1, status: 'retired' },
      { version: 2, status: 'active' },
    ]);
    const views = await pool.query<{ definition: string }>(`SELECT pg_get_viewdef('projection.cases'::regclass) AS definition`);
    expect(views.rows[0]?.definition).toMatch(/cases_v2/);
  });

  it('lets the live projector carry on in the new version from where the rebuild stopped', async () => {
    await produce(later);
    const projector = live();
    projector.onApplicationBootstrap();
    try {
      await waitFor(async () => (await applied(`${config.CONSUMER_GROUP}@v2`)) === events.length + later.length + 1, { timeoutMs: 60_000, what: 'the live projection of v2' });
    } finally {
      await projector.onApplicationShutdown();
    }
    const expected = foldAll([...events, ...later]);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM projection.cases');
    expect(rows[0]?.n).toBe(expected.size);
    const timeline = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM projection.case_timeline_v2');
    expect(timeline.rows[0]?.n).toBe(events.length + later.length);
    // The retired version stopped where it was switched away from.
    const old = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM projection.case_timeline_v1');
    expect(old.rows[0]?.n).toBe(events.length);
  });

  it('drops the replaced version by default and dead-letters what the live projector never saw', async () => {
    await producer.send(topic, [poison()]);

    const result = await rebuild().run();

    expect(result).toMatchObject({ version: 3, previous: 2, poison: 2, deadLettered: 1, previousDropped: true });
    const tables = await pool.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'projection' AND tablename ~ '_v[0-9]+$' ORDER BY 1`);
    expect(tables.rows.map((r) => r.name)).toEqual(
      ['alerts', 'case_count_parts', 'case_identity', 'case_timeline', 'cases'].flatMap((t) => [`${t}_v1`, `${t}_v3`]).sort(),
    );
  });

  it('refuses to start while another rebuild runs', async () => {
    const versions = new ReadModelVersionsRepository(pool);
    const release = await versions.lockRebuild();
    try {
      await expect(rebuild().run()).rejects.toThrow(/another rebuild is running/);
    } finally {
      await release?.();
    }
  });
});
