import { createTestDatabase, type TestDatabase } from '@beacon/testing';
import {
  createPool,
  type Pool,
  type PoolClient,
  withRetriedTransaction,
  withTransaction,
} from './database';

describe(withRetriedTransaction.name, () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('beacon_retry');
    pool = createPool(db.url, 'retry-test', 4);
    await pool.query(
      'CREATE TABLE timers (id int PRIMARY KEY, n int NOT NULL); CREATE TABLE alerts (id int PRIMARY KEY, n int NOT NULL)',
    );
    await pool.query('INSERT INTO timers VALUES (1, 0); INSERT INTO alerts VALUES (1, 0)');
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  /**
   * Locks one table's row, waits until the other side holds the other's, then takes that too.
   * PostgreSQL aborts the side whose deadlock check runs first: the one with the shorter timeout.
   */
  const crossing =
    (
      first: string,
      second: string,
      deadlockTimeout: string,
      bothHoldOne: Promise<void>,
      holding: () => void,
    ) =>
    async (client: PoolClient) => {
      await client.query(`SET LOCAL deadlock_timeout = '${deadlockTimeout}'`);
      await client.query(`UPDATE ${first} SET n = n + 1 WHERE id = 1`);
      holding();
      await bothHoldOne;
      await client.query(`UPDATE ${second} SET n = n + 1 WHERE id = 1`);
      return first;
    };

  it('runs a deadlock victim again, so both crossing transactions commit', async () => {
    let held = 0;
    let release!: () => void;
    const bothHoldOne = new Promise<void>((resolve) => (release = resolve));
    const holding = () => {
      if (++held === 2) release();
    };
    // A background worker (plain transaction) and a person's request (retried) lock the same rows in opposite orders.
    const worker = withTransaction(pool, crossing('timers', 'alerts', '5s', bothHoldOne, holding));
    const person = withRetriedTransaction(
      pool,
      crossing('alerts', 'timers', '100ms', bothHoldOne, holding),
    );
    const [workerResult, personResult] = await Promise.allSettled([worker, person]);

    // The person's transaction is the deadlock victim, runs again once the worker has committed, and commits too.
    expect(personResult).toEqual({ status: 'fulfilled', value: 'alerts' });
    expect(workerResult).toEqual({ status: 'fulfilled', value: 'timers' });
    expect(held).toBe(3);
    const { rows } = await pool.query<{ t: number; a: number }>(
      'SELECT (SELECT n FROM timers) AS t, (SELECT n FROM alerts) AS a',
    );
    expect(rows[0]).toEqual({ t: 2, a: 2 });
  });

  it('does not run again what failed for any other reason', async () => {
    let runs = 0;
    await expect(
      withRetriedTransaction(pool, async (client) => {
        runs++;
        await client.query('INSERT INTO alerts VALUES (1, 0)');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(runs).toBe(1);
  });
});
