import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Read models become versioned tables (`<name>_v<N>`) behind views named as before, so a rebuild can
 * fill version N+1 while version N keeps serving, then switch the views in one transaction.
 * Adds the alert read model, per-partition case counts, the urgency review time, and derived views
 * for incidents and dashboard counts.
 */
export class VersionedReadModels1764400000000 implements MigrationInterface {
  name = 'VersionedReadModels1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projection.read_model_versions (
        version      int PRIMARY KEY CHECK (version > 0),
        status       text        NOT NULL CHECK (status IN ('building', 'active', 'retired')),
        created_at   timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz,
        retired_at   timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX read_model_versions_single_active ON projection.read_model_versions (status) WHERE status = 'active'`,
    );
    await q.query(`INSERT INTO projection.read_model_versions (version, status, activated_at) VALUES (1, 'active', now())`);

    await q.query(`ALTER TABLE projection.cases RENAME TO cases_v1`);
    await q.query(`ALTER TABLE projection.case_timeline RENAME TO case_timeline_v1`);
    await q.query(`ALTER INDEX projection.cases_pkey RENAME TO cases_v1_pkey`);
    await q.query(`ALTER INDEX projection.case_timeline_pkey RENAME TO case_timeline_v1_pkey`);
    await q.query(`ALTER INDEX projection.cases_region_urgency RENAME TO cases_v1_region_urgency`);
    await q.query(`ALTER INDEX projection.cases_incident RENAME TO cases_v1_incident`);
    await q.query(`ALTER INDEX projection.case_timeline_case RENAME TO case_timeline_v1_case`);
    // The latest `time` of the case's events (rebuild-stable, unlike updated_at, which is when the row
    // was written), and when its urgency must be assessed again without a new event.
    await q.query(`ALTER TABLE projection.cases_v1 ADD COLUMN last_recorded_at timestamptz, ADD COLUMN urgency_review_at timestamptz`);
    await q.query(`
      UPDATE projection.cases_v1 c SET last_recorded_at = t.latest
      FROM (SELECT case_id, max(recorded_at) AS latest FROM projection.case_timeline_v1 GROUP BY case_id) t
      WHERE c.case_id = t.case_id`);
    // Rows written before review times existed are all reviewed once.
    await q.query(`UPDATE projection.cases_v1 SET urgency_review_at = now() WHERE NOT closed`);
    await q.query(`CREATE INDEX cases_v1_updated ON projection.cases_v1 (updated_at DESC, case_id DESC)`);
    await q.query(
      `CREATE INDEX cases_v1_review ON projection.cases_v1 (urgency_review_at) WHERE urgency_review_at IS NOT NULL`,
    );

    // Dashboard counts, kept per Kafka partition so that consumers of different partitions never
    // contend for the same counter row.
    await q.query(`
      CREATE TABLE projection.case_count_parts_v1 (
        partition int     NOT NULL,
        region    text    NOT NULL,
        urgency   text    NOT NULL,
        custody   text    NOT NULL,
        closed    boolean NOT NULL,
        cases     int     NOT NULL,
        CONSTRAINT case_count_parts_v1_pkey PRIMARY KEY (partition, region, urgency, custody, closed)
      )`);
    await q.query(`
      INSERT INTO projection.case_count_parts_v1 (partition, region, urgency, custody, closed, cases)
      SELECT last_partition, coalesce(region, ''), urgency, custody, closed, count(*)
      FROM projection.cases_v1 GROUP BY 1, 2, 3, 4, 5`);

    // The alerting lifecycle per alert, folded from alert-raised … alert-resolved.
    await q.query(`
      CREATE TABLE projection.alerts_v1 (
        alert_id                uuid        NOT NULL,
        case_id                 uuid        NOT NULL,
        incident_id             uuid,
        region                  text,
        rule                    text,
        urgency                 text,
        previous_urgency        text,
        raised_at               timestamptz,
        tier                    int         NOT NULL,
        notifications_sent      int         NOT NULL,
        notifications_delivered int         NOT NULL,
        notifications_failed    int         NOT NULL,
        last_notified_at        timestamptz,
        acknowledged_at         timestamptz,
        acknowledged_by         text,
        acknowledged_via        text,
        resolved_at             timestamptz,
        resolve_reason          text,
        updated_at              timestamptz NOT NULL,
        CONSTRAINT alerts_v1_pkey PRIMARY KEY (alert_id)
      )`);
    await q.query(`CREATE INDEX alerts_v1_case ON projection.alerts_v1 (case_id)`);
    await q.query(`CREATE INDEX alerts_v1_incident ON projection.alerts_v1 (incident_id)`);

    // Checkpoints belong to a read-model version: a rebuild keeps its own until it takes over.
    await q.query(`UPDATE projection.kafka_checkpoints SET consumer = consumer || '@v1'`);

    // Readers see views; a switch-over repoints the four pass-through views, the rest follow.
    for (const base of ['cases', 'case_timeline', 'alerts', 'case_count_parts']) {
      await q.query(`CREATE VIEW projection.${base} AS SELECT * FROM projection.${base}_v1`);
    }
    await q.query(`
      CREATE VIEW projection.case_counts AS
      SELECT nullif(region, '') AS region, urgency, custody, closed, sum(cases)::int AS cases
      FROM projection.case_count_parts
      GROUP BY region, urgency, custody, closed
      HAVING sum(cases) <> 0`);
    await q.query(`
      CREATE VIEW projection.incidents AS
      SELECT c.incident_id,
             count(*)::int                                                      AS case_count,
             (count(*) FILTER (WHERE NOT c.closed))::int                         AS open_cases,
             (count(*) FILTER (WHERE NOT c.closed AND c.urgency = 'critical'))::int AS critical_cases,
             (count(*) FILTER (WHERE NOT c.closed AND c.urgency = 'high'))::int     AS high_cases,
             (count(*) FILTER (WHERE c.custody = 'detained'))::int               AS detained_cases,
             CASE WHEN bool_or(NOT c.closed AND c.urgency = 'critical') THEN 'critical'
                  WHEN bool_or(NOT c.closed AND c.urgency = 'high') THEN 'high'
                  ELSE 'routine' END                                             AS urgency,
             coalesce(array_agg(DISTINCT c.region ORDER BY c.region) FILTER (WHERE c.region IS NOT NULL), '{}') AS regions,
             min(c.opened_at)                                                    AS opened_at,
             max(c.last_occurred_at)                                             AS last_occurred_at,
             max(c.updated_at)                                                   AS updated_at
      FROM projection.cases c
      WHERE c.incident_id IS NOT NULL
      GROUP BY c.incident_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    const active = (await q.query(`SELECT version FROM projection.read_model_versions WHERE status = 'active'`)) as {
      version: number;
    }[];
    // Only the first version has the shape the previous migration expects.
    if (active[0]?.version !== 1) throw new Error('revert only while read-model version 1 is active; drop later versions first');
    await q.query(
      `DROP VIEW projection.incidents, projection.case_counts, projection.case_count_parts, projection.alerts,
         projection.case_timeline, projection.cases`,
    );
    await q.query(`DELETE FROM projection.kafka_checkpoints WHERE consumer !~ '@v1$'`);
    await q.query(`UPDATE projection.kafka_checkpoints SET consumer = regexp_replace(consumer, '@v1$', '')`);
    await q.query(`DROP TABLE projection.alerts_v1, projection.case_count_parts_v1`);
    await q.query(`DROP INDEX projection.cases_v1_updated, projection.cases_v1_review`);
    await q.query(`ALTER TABLE projection.cases_v1 DROP COLUMN last_recorded_at, DROP COLUMN urgency_review_at`);
    await q.query(`ALTER INDEX projection.cases_v1_pkey RENAME TO cases_pkey`);
    await q.query(`ALTER INDEX projection.case_timeline_v1_pkey RENAME TO case_timeline_pkey`);
    await q.query(`ALTER INDEX projection.cases_v1_region_urgency RENAME TO cases_region_urgency`);
    await q.query(`ALTER INDEX projection.cases_v1_incident RENAME TO cases_incident`);
    await q.query(`ALTER INDEX projection.case_timeline_v1_case RENAME TO case_timeline_case`);
    await q.query(`ALTER TABLE projection.cases_v1 RENAME TO cases`);
    await q.query(`ALTER TABLE projection.case_timeline_v1 RENAME TO case_timeline`);
    await q.query(`DROP TABLE projection.read_model_versions`);
  }
}
