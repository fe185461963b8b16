import { type Pool } from 'pg';

export interface TableUpkeepOptions {
  /** Schemas whose tables this service owns (an outbox, a delivery queue, read models). */
  schemas: readonly string[];
  /** How often the tables' counters are looked at; 0 turns the upkeep off. */
  intervalMs: number;
  log: { warn(message: string): void };
  /** A table is vacuumed and analysed once this share of its rows changed, as autovacuum would (its default is 0.2 and 0.1). */
  scaleFactor?: number;
  /** …plus this many rows, so that a small table is not vacuumed on every change. */
  threshold?: number;
}

interface TableCounters {
  name: string;
  live: number;
  dead: number;
  modified: number;
}

/**
 * Vacuums and analyses a service's busiest tables itself when the server's autovacuum is off.
 *
 * The outboxes and the delivery queue are rewritten row by row all day: without vacuum their
 * partial indexes fill with dead entries that every relay round and every claim reads again, and
 * without fresh statistics the planner keeps plans made for empty tables (a scan of every open
 * alert to find one case's). On a server without autovacuum a minute at 100 reports/s slowed the
 * dispatcher's decisions from milliseconds to seconds. With autovacuum on (the default, and what
 * docs/operations.md asks for) this does nothing: PostgreSQL keeps the tables itself.
 */
export class TableUpkeep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | null = null;
  private stopped = false;
  private warned = false;
  private lastFailure: string | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly options: TableUpkeepOptions,
  ) {}

  /** Nest calls this once the application is up. */
  onApplicationBootstrap(): void {
    this.start();
  }

  /** Nest calls this on shutdown, before any pool is closed. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /**
   * Looks at once (so that the warning comes with the start-up lines), then every interval. The
   * server is asked each time whether autovacuum is off: a database that was away at start-up,
   * or a setting changed since, is followed.
   */
  start(): void {
    if (this.options.intervalMs <= 0 || this.timer) return;
    this.stopped = false;
    // Not awaited: a first vacuum of a large table must not hold up the service's start.
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  private tick(): Promise<unknown> {
    this.running ??= this.upkeep()
      .then(() => (this.lastFailure = null))
      .catch((error: unknown) => {
        const message = (error as Error).message;
        // Once per distinct failure: a database that is away for a while says so once.
        if (!this.stopped && message !== this.lastFailure)
          this.options.log.warn(`table upkeep failed: ${message}`);
        this.lastFailure = message;
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  private async upkeep(): Promise<void> {
    const { rows } = await this.pool.query<{ autovacuum: string }>('SHOW autovacuum');
    if (rows[0]?.autovacuum !== 'off') return;
    if (!this.warned) {
      this.options.log.warn(
        `autovacuum is off on this PostgreSQL server: the tables of ${this.options.schemas.join(', ')} are vacuumed and analysed ` +
          `by this service every ${this.options.intervalMs} ms while it is so; turn autovacuum on (docs/operations.md)`,
      );
      this.warned = true;
    }
    await this.runOnce();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Vacuums and analyses every table of the schemas that changed enough since; returns their names. */
  async runOnce(): Promise<string[]> {
    const scale = this.options.scaleFactor ?? 0.05;
    const threshold = this.options.threshold ?? 200;
    const { rows } = await this.pool.query<TableCounters>(
      `SELECT format('%I.%I', schemaname, relname) AS name, n_live_tup::float8 AS live,
              n_dead_tup::float8 AS dead, n_mod_since_analyze::float8 AS modified
       FROM pg_stat_user_tables WHERE schemaname = ANY($1::text[]) ORDER BY 1`,
      [this.options.schemas],
    );
    const due = rows.filter((t) => Math.max(t.dead, t.modified) > threshold + scale * t.live);
    const done: string[] = [];
    for (const table of due) {
      if (this.stopped) break;
      // Not in a transaction (VACUUM cannot be); SKIP_LOCKED leaves a table another instance,
      // an index build or a migration holds, for the next round.
      await this.pool.query(`VACUUM (ANALYZE, SKIP_LOCKED) ${table.name}`);
      done.push(table.name);
    }
    return done;
  }
}
