import { createPool, type Pool } from '@beacon/persistence';
import { createTestDatabase, type TestDatabase } from '@beacon/testing';
import { columnsOf, textArrayLiteral } from './read-model.rows';

interface Row {
  plain: string;
  text: string | null;
  count: number;
  flag: boolean | null;
  json: unknown;
  list: string[];
}

describe(columnsOf.name, () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('beacon_columns');
    pool = createPool(db.url, 'columns-test');
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const row = (over: Partial<Row>): Row => ({
    plain: 'almaty',
    text: 'x',
    count: 1,
    flag: true,
    json: { alg: 'A256GCM' },
    list: [],
    ...over,
  });

  it('carries any text, nulls, numbers, booleans, JSON and lists through unnest() unchanged', async () => {
    const rows: Row[] = [
      row({ text: 'plain', list: ['detained-location-undisclosed', 'no-lawyer'] }),
      row({
        text: 'with "quotes", commas, {braces} and \\backslashes\\',
        list: ['a,b', '{c}', '"d"', 'e\\f'],
      }),
      row({ text: 'NULL', flag: null, list: ['NULL', ''] }),
      row({ text: '', count: -3, flag: false, json: null }),
      row({ text: null, json: [1, 'two', { three: [true, null] }] }),
      row({ text: '  spaced  ', list: [' x '] }),
      row({ text: 'line\nbreak\ttab\u0001', json: { s: 'quote " and \\ in JSON' } }),
      row({ plain: 'ünïcødé ✓', text: 'ünïcødé ✓ 😀', list: ['ü'] }),
    ];

    const { rows: out } = await pool.query<Row>(
      `SELECT plain, text, count, flag, json, list::text[] AS list
       FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::int[]), unnest($4::boolean[]),
         jsonb_array_elements($5::jsonb), unnest($6::text[])) AS u(plain, text, count, flag, json, list)`,
      columnsOf(rows, [
        'plain',
        'text',
        'count',
        'flag',
        { json: (r) => r.json },
        (r) => textArrayLiteral(r.list),
      ]),
    );

    expect(out).toEqual(rows);
  });

  it('gives every column as many elements as there are rows, none for none', async () => {
    const rows = Array.from({ length: 1_000 }, (_, i) =>
      row({ text: i % 7 === 0 ? null : `v${i},"${i}"`, count: i }),
    );

    const { rows: out } = await pool.query<{ n: number; texts: number; sum: number }>(
      `SELECT count(*)::int AS n, count(text)::int AS texts, sum(count)::int AS sum
       FROM ROWS FROM (unnest($1::text[]), unnest($2::int[])) AS u(text, count)`,
      columnsOf(rows, ['text', 'count']),
    );

    expect(out[0]).toEqual({
      n: 1_000,
      texts: 1_000 - Math.ceil(1_000 / 7),
      sum: (999 * 1_000) / 2,
    });
    expect(columnsOf([] as Row[], ['text', { json: (r) => r.json }])).toEqual(['{}', '[]']);
  });
});
