// The floor the intake is measured against: a bare Fastify route doing one INSERT into the same
// PostgreSQL, with the same pool size and body limit. Prints its port once listening.
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_SIZE ?? 20),
});
await pool.query(
  'CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
);
const app = Fastify({ logger: false, bodyLimit: 256 * 1024 });
app.post('/baseline', async (request, reply) => {
  const { rows } = await pool.query('INSERT INTO bench_baseline (body) VALUES ($1) RETURNING id', [
    request.body,
  ]);
  reply.code(202);
  return { id: rows[0].id };
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: app.server.address().port })}\n`);
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(
    signal,
    () =>
      void app
        .close()
        .then(() => pool.end())
        .then(() => process.exit(0)),
  );
