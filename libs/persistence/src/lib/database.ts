import { Pool, type PoolClient } from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';

export type { Pool, PoolClient };

export function createPool(url: string, applicationName: string, max = 10): Pool {
  const pool = new Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => undefined);
  // Nor a checked-out one (a transaction waiting on Kafka when the database restarts): the
  // pool only listens to idle clients. Its next query fails, and release() discards it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Runs a service's TypeORM migrations into its own schema. Schema changes happen only here,
 * never by synchronize. Instances of a service start at once (a rollout, a scale-out) and each
 * migrates at start-up: a session advisory lock per schema makes them take turns, so the second
 * finds the migrations applied instead of racing the first to create the same tables.
 */
export async function runMigrations(
  url: string,
  schema: string,
  migrations: (new () => MigrationInterface)[],
): Promise<string[]> {
  const lockPool = createPool(url, `${schema}-migrations`, 1);
  const lock = await lockPool.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [
      `beacon-migrations:${schema}`,
    ]);
    await lock.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    const dataSource = new DataSource({
      type: 'postgres',
      url,
      schema,
      migrationsTableName: 'migrations',
      migrations,
      synchronize: false,
      logging: false,
    });
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    // Ending the session releases the lock, also when a migration failed.
    lock.release(true);
    await lockPool.end();
  }
}

export function quoteIdent(identifier: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(identifier))
    throw new Error(`unsafe SQL identifier: ${identifier}`);
  return `"${identifier}"`;
}

/** PostgreSQL's deadlock and serialization failures: the transaction did nothing and may simply run again. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);

/**
 * A transaction that runs again (up to `attempts` times in all) when PostgreSQL aborts it as a
 * deadlock victim or for a serialization failure. For work a person is waiting on, such as an
 * acknowledgement, which would otherwise fail only because a background worker took the same
 * rows in another order at the same moment.
 */
export async function withRetriedTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTransaction(pool, work);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= attempts || typeof code !== 'string' || !RETRYABLE_SQLSTATES.has(code))
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * attempt));
    }
  }
}
