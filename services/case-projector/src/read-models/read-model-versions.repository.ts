import { type Pool, type PoolClient } from '@beacon/persistence';

/** The read models kept per version; readers see them through views of the same name. */
export const VERSIONED_READ_MODELS = [
  'cases',
  'case_timeline',
  'alerts',
  'case_count_parts',
  'case_identity',
] as const;
export type VersionedReadModel = (typeof VERSIONED_READ_MODELS)[number];

/**
 * Live writers hold this advisory lock shared for each transaction; a switch-over holds it
 * exclusively, so no live batch straddles the moment the views change. An operator may hold it
 * (shared) to keep a rebuild from switching over.
 */
export const SWITCH_FENCE_SQL = `hashtext('beacon.projection.switch-over')`;
/** Held for the life of a rebuild, so two rebuilds never run at once. */
const REBUILD_LOCK_SQL = `hashtext('beacon.projection.rebuild')`;

/**
 * Non-unique indexes a replay's own writes look rows up by: erasure checks and deletes go by
 * person. Unique indexes decide what is new, so every version keeps those too.
 */
function usedByWriters(model: VersionedReadModel, definition: string): boolean {
  return model === 'case_identity' && /USING btree \(person_ref\)/.test(definition);
}

interface IndexInfo {
  name: string;
  unique: boolean;
  definition: string;
}

async function indexesOf(db: PoolClient, table: string): Promise<IndexInfo[]> {
  const { rows } = await db.query<IndexInfo>(
    `SELECT c.relname AS name, i.indisunique AS unique, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = $1::regclass ORDER BY c.relname`,
    [table],
  );
  return rows;
}

const ANY_TABLE = '<table>';

/** An index without its name and table, e.g. `CREATE INDEX ON <table> USING btree (case_id)`: alike in every version. */
function shapeOf(definition: string): string {
  const match = /^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (.+)$/.exec(definition);
  if (!match) throw new Error(`unexpected index definition: ${definition}`);
  return `CREATE ${match[1] ?? ''}INDEX ON ${ANY_TABLE} ${match[2]}`;
}

export type VersionStatus = 'building' | 'active' | 'retired';

export interface ReadModelVersion {
  version: number;
  status: VersionStatus;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
}

export function tableOf(model: VersionedReadModel, version: number): string {
  if (!Number.isInteger(version) || version < 1)
    throw new Error(`invalid read-model version ${version}`);
  return `projection.${model}_v${version}`;
}

/** The checkpoint consumer name of a version: each version keeps its own Kafka positions. */
export function checkpointConsumer(group: string, version: number): string {
  return `${group}@v${version}`;
}

export class ReadModelVersionsRepository {
  constructor(private readonly pool: Pool) {}

  /** Waits while a switch-over is in progress; call first in every live write transaction. */
  async enterFence(client: PoolClient): Promise<void> {
    await client.query(`SELECT pg_advisory_xact_lock_shared(${SWITCH_FENCE_SQL})`);
  }

  async active(db: Pool | PoolClient = this.pool): Promise<number> {
    const { rows } = await db.query<{ version: number }>(
      `SELECT version FROM projection.read_model_versions WHERE status = 'active'`,
    );
    const version = rows[0]?.version;
    if (version === undefined)
      throw new Error('no active read-model version: run the projection migrations');
    return version;
  }

  async list(): Promise<ReadModelVersion[]> {
    const { rows } = await this.pool.query<{
      version: number;
      status: VersionStatus;
      created_at: Date;
      activated_at: Date | null;
      retired_at: Date | null;
    }>(
      `SELECT version, status, created_at, activated_at, retired_at FROM projection.read_model_versions ORDER BY version`,
    );
    return rows.map((r) => ({
      version: r.version,
      status: r.status,
      createdAt: r.created_at,
      activatedAt: r.activated_at,
      retiredAt: r.retired_at,
    }));
  }

  /**
   * Takes the rebuild lock on a dedicated connection for as long as the returned release is not
   * called; null when another rebuild holds it.
   */
  async lockRebuild(): Promise<(() => Promise<void>) | null> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>(
        `SELECT pg_try_advisory_lock(${REBUILD_LOCK_SQL}) AS ok`,
      );
      if (!rows[0]?.ok) {
        client.release();
        return null;
      }
    } catch (error) {
      client.release();
      throw error;
    }
    return async () => {
      try {
        await client.query(`SELECT pg_advisory_unlock(${REBUILD_LOCK_SQL})`);
      } finally {
        client.release();
      }
    };
  }

  /**
   * The version a rebuild writes to: an unfinished one is resumed (its tables and checkpoints are
   * kept), otherwise a new one is created with the active version's table shapes, indexes included.
   * Shapes come only from migrations; this copies them.
   */
  async beginBuilding(restart: boolean): Promise<{ version: number; resumed: boolean }> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('LOCK TABLE projection.read_model_versions IN EXCLUSIVE MODE');
      const { rows } = await client.query<{ version: number }>(
        `SELECT version FROM projection.read_model_versions WHERE status = 'building' ORDER BY version`,
      );
      let resumed = false;
      let version: number | undefined;
      for (const row of rows) {
        if (restart || version !== undefined) await this.forget(client, row.version);
        else {
          version = row.version;
          resumed = true;
        }
      }
      if (version === undefined) {
        const active = await this.active(client);
        const next = await client.query<{ next: number }>(
          `SELECT coalesce(max(version), 0) + 1 AS next FROM projection.read_model_versions`,
        );
        version = next.rows[0]?.next ?? active + 1;
        await client.query(
          `INSERT INTO projection.read_model_versions (version, status) VALUES ($1, 'building')`,
          [version],
        );
        for (const model of VERSIONED_READ_MODELS) {
          await client.query(
            `CREATE TABLE ${tableOf(model, version)} (LIKE ${tableOf(model, active)} INCLUDING ALL)`,
          );
          // Indexes only readers use are built in one pass when the replay has caught up
          // (completeIndexes): far cheaper than keeping them up to date row by row meanwhile.
          for (const index of await indexesOf(client, tableOf(model, version))) {
            if (!index.unique && !usedByWriters(model, index.definition)) {
              await client.query(`DROP INDEX projection.${index.name}`);
            }
          }
        }
      }
      await client.query('COMMIT');
      return { version, resumed };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Gives a version being built every index of the active version it lacks (the readers' indexes
   * beginBuilding left out), one transaction per index: replay writers wait for one at a time.
   * Returns the definitions it created; none once they are all there, so a resumed rebuild may
   * call it again.
   */
  async completeIndexes(version: number): Promise<string[]> {
    const created: string[] = [];
    const client = await this.pool.connect();
    try {
      const active = await this.active(client);
      for (const model of VERSIONED_READ_MODELS) {
        const building = tableOf(model, version);
        const present = new Set(
          (await indexesOf(client, building)).map((i) => shapeOf(i.definition)),
        );
        for (const index of await indexesOf(client, tableOf(model, active))) {
          const shape = shapeOf(index.definition);
          if (present.has(shape)) continue;
          // Unnamed, so Postgres names it as CREATE TABLE … LIKE would have.
          const definition = shape.replace(ANY_TABLE, building);
          await client.query('BEGIN');
          try {
            // Sorting in memory, not in temporary files, is most of what makes one pass cheap.
            await client.query(`SET LOCAL maintenance_work_mem = '256MB'`);
            await client.query(definition);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
          present.add(shape);
          created.push(definition);
        }
      }
      return created;
    } finally {
      client.release();
    }
  }

  /**
   * Within the caller's transaction, which must hold the fence exclusively: repoints the views to
   * `version` and records it as active. Returns the version it replaced.
   */
  async switchTo(client: PoolClient, version: number): Promise<number> {
    const previous = await this.active(client);
    for (const model of VERSIONED_READ_MODELS) {
      await client.query(
        `CREATE OR REPLACE VIEW projection.${model} AS SELECT * FROM ${tableOf(model, version)}`,
      );
    }
    await client.query(
      `UPDATE projection.read_model_versions SET status = 'retired', retired_at = now() WHERE status = 'active'`,
    );
    await client.query(
      `UPDATE projection.read_model_versions SET status = 'active', activated_at = now() WHERE version = $1 AND status = 'building'`,
      [version],
    );
    return previous;
  }

  async lockFenceExclusively(client: PoolClient): Promise<void> {
    await client.query(`SELECT pg_advisory_xact_lock(${SWITCH_FENCE_SQL})`);
  }

  /** Drops a retired (or abandoned building) version's tables and checkpoints. */
  async drop(version: number): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ status: VersionStatus }>(
        `SELECT status FROM projection.read_model_versions WHERE version = $1 FOR UPDATE`,
        [version],
      );
      const status = rows[0]?.status;
      if (status === undefined) throw new Error(`read-model version ${version} does not exist`);
      if (status === 'active')
        throw new Error(`read-model version ${version} is active and cannot be dropped`);
      await this.forget(client, version);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Drops a version's tables, its checkpoints and its record. */
  private async forget(client: PoolClient, version: number): Promise<void> {
    for (const model of VERSIONED_READ_MODELS)
      await client.query(`DROP TABLE IF EXISTS ${tableOf(model, version)}`);
    await client.query(`DELETE FROM projection.kafka_checkpoints WHERE consumer LIKE $1`, [
      `%@v${version}`,
    ]);
    await client.query(`DELETE FROM projection.read_model_versions WHERE version = $1`, [version]);
  }
}
