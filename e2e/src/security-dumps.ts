import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';

/** Everything a topic holds, as someone with a copy of the broker's disks would read it. */
export interface DumpedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  headers: Record<string, string>;
  value: string;
}

/** Every record of every topic whose name starts with `prefix`, read from the beginning to the end. */
export async function dumpTopics(brokers: string, prefix: string): Promise<DumpedRecord[]> {
  const kafka = new Kafka({
    clientId: 'security-dump',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, number>();
  let topics: string[];
  try {
    topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    for (const topic of topics) {
      for (const o of await admin.fetchTopicOffsets(topic))
        ends.set(`${topic}/${o.partition}`, Number(o.high));
    }
  } finally {
    await admin.disconnect();
  }
  const expected = [...ends.values()].reduce((a, b) => a + b, 0);
  const records: DumpedRecord[] = [];
  if (expected === 0) return records;
  const consumer = kafka.consumer({ groupId: `security-dump-${randomBytes(6).toString('hex')}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: ({ topic, partition, message }) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) {
            headers[name] = (Array.isArray(value) ? value : [value])
              .map((v) => v?.toString() ?? '')
              .join(',');
          }
          records.push({
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? '',
            headers,
            value: message.value?.toString() ?? '',
          });
          if (records.length >= expected) resolve();
          return Promise.resolve();
        },
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`read ${records.length} of ${expected} records`)),
        60_000,
      );
    });
    try {
      await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Every row of every table in every schema but PostgreSQL's own, one JSON text per row. */
export async function dumpDatabase(url: string): Promise<{ table: string; row: string }[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
        ORDER BY 1, 2`,
    );
    const dump: { table: string; row: string }[] = [];
    for (const { schema, name } of tables) {
      const qualified = `"${schema.replace(/"/g, '""')}"."${name.replace(/"/g, '""')}"`;
      const { rows } = await client.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM ${qualified} t`,
      );
      for (const { row } of rows) dump.push({ table: `${schema}.${name}`, row });
      if (rows.length === 0) dump.push({ table: `${schema}.${name}`, row: '' });
    }
    return dump;
  } finally {
    await client.end();
  }
}

/**
 * The forms a secret could take in a dump: as typed, normalised, in hex, and in base64 and
 * base64url at each of the three alignments it could have inside a longer encoded text.
 */
export function encodingsOf(secret: string): string[] {
  const forms = new Set<string>([
    secret,
    secret.toLowerCase(),
    secret.replace(/[^0-9A-Za-z]/g, ''),
  ]);
  const bytes = Buffer.from(secret, 'utf8');
  forms.add(bytes.toString('hex'));
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift, 0x20), bytes]);
    for (const encoding of ['base64', 'base64url'] as const) {
      const text = padded.toString(encoding).replace(/=+$/, '');
      // Drop the groups that also hold bytes of whatever surrounds the secret.
      const start = shift === 0 ? 0 : 4;
      const fullGroups = Math.floor(padded.length / 3) * 4;
      const stable = text.slice(start, fullGroups);
      if (stable.length >= 8) forms.add(stable);
    }
  }
  return [...forms].filter((f) => f.length >= 6);
}
