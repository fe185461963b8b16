import { type PoolClient } from '@beacon/persistence';

/** One data-changing statement (INSERT, UPDATE or DELETE, with `$n` parameters). */
export interface Write {
  sql: string;
  params: unknown[];
}

const names = new Map<string, string>();

/**
 * The statement as a prepared one: each connection parses and plans it once, then only binds
 * and runs it. The hot statements here are planned in a millisecond or two (CTEs, LATERAL
 * joins, JSON record sets), more than many of them take to run.
 */
export function named(text: string): { name: string; text: string } {
  let name = names.get(text);
  if (name === undefined) {
    name = `alerting_${names.size + 1}`;
    names.set(text, name);
  }
  return { name, text };
}

/**
 * Runs independent writes as one statement, each a data-modifying CTE: one round trip for all
 * of them. They share one snapshot and do not see each other's rows, so they must be on
 * different tables or different rows.
 */
export async function runWrites(
  client: PoolClient,
  writes: readonly (Write | null)[],
): Promise<void> {
  const parts = writes.filter((w): w is Write => w !== null);
  const [only] = parts;
  if (!only) return;
  if (parts.length === 1) {
    await client.query({ ...named(only.sql), values: only.params });
    return;
  }
  const params: unknown[] = [];
  const ctes = parts.map((write, i) => {
    const offset = params.length;
    params.push(...write.params);
    const sql = write.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
    return `w${i} AS (${sql})`;
  });
  await client.query({ ...named(`WITH ${ctes.join(',\n')} SELECT 1`), values: params });
}
