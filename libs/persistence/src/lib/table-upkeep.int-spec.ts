import { createTestDatabase, waitFor, type TestDatabase } from '@beacon/testing';
import { createPool, type Pool } from './database';
import { TableUpkeep } from './table-upkeep';

describe(TableUpkeep.name, () => {
  let db: TestDatabase;
  let pool: Pool;
  const warnings: string[] = [];
  const log = { warn: (message: string) => warnings.push(message) };

  beforeAll(async () => {
    db = await createTestDatabase('beacon_upkeep');
    pool = createPool(db.url, 'upkeep-test', 4);
    await pool.query('CREATE SCHEMA busy; CREATE SCHEMA other');
    await pool.query('CREATE TABLE busy.queue (id int PRIMARY KEY, state text NOT NULL)');
    await pool.query('CREATE TABLE busy.quiet (id int PRIMARY KEY)');
    await pool.query('CREATE TABLE other.queue (id int PRIMARY KEY, state text NOT NULL)');
    await pool.query(`INSERT INTO busy.quiet SELECT g FROM generate_series(1, 10) g`);
    for (const table of ['busy.queue', 'other.queue']) {
      await pool.query(`INSERT INTO ${table} SELECT g, 'pending' FROM generate_series(1, 2000) g`);
      await pool.query(`UPDATE ${table} SET state = 'sent'`);
    }
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const counters = async (table: string) =>
    (
      await pool.query<{ dead: string; analysed: boolean; vacuumed: boolean }>(
        `SELECT n_dead_tup AS dead, last_analyze IS NOT NULL AS analysed, last_vacuum IS NOT NULL AS vacuumed
         FROM pg_stat_user_tables WHERE format('%I.%I', schemaname, relname) = $1`,
        [table],
      )
    ).rows[0]!;

  it("vacuums and analyses the tables of its schemas that changed enough, and no one else's", async () => {
    const sut = new TableUpkeep(pool, { schemas: ['busy'], intervalMs: 1_000, log });
    // The server's statistics of the writes above arrive within a second or so.
    const done = await waitFor(
      async () => {
        const tables = await sut.runOnce();
        return tables.length > 0 ? tables : null;
      },
      { timeoutMs: 15_000, intervalMs: 250, what: 'a table due for upkeep' },
    );

    expect(done).toEqual(['busy.queue']);
    const queue = await counters('busy.queue');
    expect(queue).toMatchObject({ analysed: true, vacuumed: true });
    expect(Number(queue.dead)).toBe(0);
    expect(await counters('busy.quiet')).toMatchObject({ analysed: false, vacuumed: false });
    expect(await counters('other.queue')).toMatchObject({ analysed: false, vacuumed: false });
    expect(await sut.runOnce()).toEqual([]);
  });

  it('runs on its interval only while the server has autovacuum off, and says so once', async () => {
    const autovacuum = (await pool.query<{ autovacuum: string }>('SHOW autovacuum')).rows[0]!
      .autovacuum;
    await pool.query(`UPDATE other.queue SET state = 'delivered'`);
    const sut = new TableUpkeep(pool, { schemas: ['other'], intervalMs: 200, log });
    warnings.length = 0;
    sut.start();
    try {
      if (autovacuum === 'off') {
        await waitFor(async () => (await counters('other.queue')).vacuumed, {
          timeoutMs: 15_000,
          what: 'the upkeep of other.queue',
        });
        // Several rounds later, still the one warning.
        await new Promise((r) => setTimeout(r, 1_000));
        expect(warnings).toEqual([
          expect.stringMatching(
            /^autovacuum is off on this PostgreSQL server: the tables of other are vacuumed/,
          ),
        ]);
      } else {
        await new Promise((r) => setTimeout(r, 1_000));
        expect(warnings).toEqual([]);
        expect((await counters('other.queue')).vacuumed).toBe(false);
      }
    } finally {
      await sut.stop();
    }
  });

  it('says once that it cannot reach the database, however many rounds fail', async () => {
    const away = createPool('postgres://postgres@127.0.0.1:1/nowhere', 'upkeep-away', 1);
    const failures: string[] = [];
    const sut = new TableUpkeep(away, {
      schemas: ['other'],
      intervalMs: 100,
      log: { warn: (m) => failures.push(m) },
    });
    try {
      sut.start();
      await new Promise((r) => setTimeout(r, 800));
      expect(failures).toEqual([expect.stringMatching(/^table upkeep failed: .*ECONNREFUSED/)]);
    } finally {
      await sut.stop();
      await away.end();
    }
  });

  it('does nothing with an interval of 0', async () => {
    const sut = new TableUpkeep(pool, { schemas: ['other'], intervalMs: 0, log });
    warnings.length = 0;
    sut.start();
    await sut.stop();
    expect(warnings).toEqual([]);
  });
});
