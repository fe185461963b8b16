import { assessUrgency, restoreCaseState, type StoredCaseState } from '@beacon/case-domain';
import { EXAMPLES, createEvent } from '@beacon/events';
import { type IncomingRecord } from '@beacon/kafka';
import { createPool, runMigrations, type Pool } from '@beacon/persistence';
import { createTestDatabase, type TestDatabase } from '@beacon/testing';
import { randomUUID } from 'node:crypto';
import { projectionMigrations } from '../migrations';
import { ReadModelVersionsRepository } from '../read-models/read-model-versions.repository';
import { ReadModelRepository } from '../read-models/read-model.repository';
import { alertRows } from '../read-models/read-model.rows';
import {
  countsFromCases,
  foldAll,
  pastCaseEvents,
  recordOf,
  snapshot,
} from '../testing/projection.fixtures';
import { CaseProjection, type DeadLetter } from './case.projection';
import { UrgencyReview } from './urgency-review.worker';

const TOPIC = 'beacon.case-events.v1';
const NOW = new Date();

describe(CaseProjection.name, () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeEach(async () => {
    db = await createTestDatabase('beacon_projection');
    await runMigrations(db.url, 'projection', projectionMigrations);
    pool = createPool(db.url, 'projection-test');
  });

  afterEach(async () => {
    await pool?.end();
    await db?.drop();
  });

  const projection = (clock = () => NOW) =>
    new CaseProjection(
      pool,
      'case-projector',
      new ReadModelVersionsRepository(pool),
      new ReadModelRepository(),
      clock,
    );
  const noDeadLetters = (letters: DeadLetter[]) =>
    letters.length === 0
      ? Promise.resolve()
      : Promise.reject(
          new Error(`unexpected dead letters: ${letters.map((l) => l.reason).join(', ')}`),
        );

  it('applies every event once however the batches are cut, repeated and overlapped', async () => {
    const events = pastCaseEvents(80, 11);
    const records = events.map((e, i) => recordOf(e, TOPIC, 0, i));
    const sut = projection();
    // Batches of random length, each delivered again, and now and then starting before the checkpoint.
    let random = 7;
    const next = (n: number) => (random = (random * 1103515245 + 12345) % 2 ** 31) % n;
    for (let at = 0; at < records.length;) {
      const end = Math.min(records.length, at + 1 + next(120));
      const from = Math.max(0, at - next(30));
      await sut.apply(TOPIC, 0, records.slice(from, end), noDeadLetters);
      await sut.apply(TOPIC, 0, records.slice(from, end), noDeadLetters);
      at = end;
    }

    const expected = foldAll(events);
    const { rows } = await pool.query<{
      case_id: string;
      state: StoredCaseState;
      urgency: string;
      urgency_reasons: string[];
      event_count: number;
      custody: string;
    }>(
      'SELECT case_id, state, urgency, urgency_reasons, event_count, custody FROM projection.cases',
    );
    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      const state = expected.get(row.case_id)!;
      expect(restoreCaseState(row.case_id, row.state)).toEqual(state);
      expect({ urgency: row.urgency, reasons: row.urgency_reasons }).toEqual(
        assessUrgency(state, NOW),
      );
      expect(row.custody).toBe(state.custody);
      expect(row.event_count).toBe(events.filter((e) => e.subject === row.case_id).length);
    }
    const timeline = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM projection.case_timeline',
    );
    expect(timeline.rows[0]?.n).toBe(events.length);
    const counts = await pool.query(
      "SELECT coalesce(region, '') AS region, urgency, custody, closed, cases FROM projection.case_counts ORDER BY 1, 2, 3, 4",
    );
    expect(counts.rows).toEqual(await countsFromCases(pool));
    // Alerts folded window by window, merged in SQL, equal the fold of all lifecycle events at once.
    const alerts = await pool.query('SELECT * FROM projection.alerts ORDER BY alert_id');
    const expectedAlerts = alertRows(events, NOW).map((a) => ({ ...a, updated_at: undefined }));
    expect(alerts.rows.length).toBeGreaterThan(10);
    expect(
      alerts.rows.map((a: Record<string, unknown>) => ({
        ...a,
        ...Object.fromEntries(
          Object.entries(a)
            .filter(([, v]) => v instanceof Date)
            .map(([k, v]) => [k, (v as Date).toISOString()]),
        ),
        updated_at: undefined,
      })),
    ).toEqual(expectedAlerts);
  });

  it('counts an event delivered twice, at two offsets, once', async () => {
    const events = pastCaseEvents(5, 3);
    const again = events[3]!;
    const records = [...events, again].map((e, i) => recordOf(e, TOPIC, 0, i));
    const once = projection();
    await once.apply(TOPIC, 0, records.slice(0, 10), noDeadLetters);
    await once.apply(TOPIC, 0, records.slice(10), noDeadLetters);

    const { rows } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM projection.case_timeline',
    );
    expect(rows[0]?.n).toBe(events.length);
    const counted = await pool.query<{ event_count: number }>(
      'SELECT event_count FROM projection.cases WHERE case_id = $1',
      [again.subject],
    );
    expect(counted.rows[0]?.event_count).toBe(
      events.filter((e) => e.subject === again.subject).length,
    );
  });

  it('dead-letters what it cannot read, with the reason, and goes on', async () => {
    const caseId = randomUUID();
    const good = (n: number) =>
      createEvent('detention-reported', {
        id: randomUUID(),
        caseId,
        time: NOW,
        occurredAt: new Date(NOW.getTime() - n * 60_000),
        source: '/beacon/intake-api',
        data: EXAMPLES['detention-reported'].data,
      });
    const invalid = recordOf(good(1), TOPIC, 0, 1);
    invalid.value = Buffer.from(
      JSON.stringify({ ...EXAMPLES['detention-reported'].data, authority: 'martians' }),
    );
    const newer = recordOf(good(2), TOPIC, 0, 2);
    newer.headers.ce_type = Buffer.from('org.beacon.detention-reported.v9');
    const notJson = recordOf(good(3), TOPIC, 0, 3);
    notJson.value = Buffer.from('{"context":');
    const records: IncomingRecord[] = [
      recordOf(good(4), TOPIC, 0, 0),
      invalid,
      newer,
      notJson,
      recordOf(good(5), TOPIC, 0, 4),
    ];
    const letters: DeadLetter[] = [];

    const outcome = await projection().apply(TOPIC, 0, records, (l) => {
      letters.push(...l);
      return Promise.resolve();
    });

    expect(letters.map((l) => [l.record.offset, l.reason])).toEqual([
      ['1', 'invalid'],
      ['2', 'unsupported-version'],
      ['3', 'malformed'],
    ]);
    expect(letters[0]?.message).toMatch(/authority/);
    expect(outcome.applied).toBe(2);
    const { rows } = await pool.query<{ event_count: number }>(
      'SELECT event_count FROM projection.cases WHERE case_id = $1',
      [caseId],
    );
    expect(rows[0]?.event_count).toBe(2);
    const checkpoint = await pool.query<{ next_offset: string }>(
      'SELECT next_offset FROM projection.kafka_checkpoints',
    );
    expect(checkpoint.rows.map((r) => r.next_offset)).toEqual(['5']);
  });

  it('re-assesses urgency that depends on the clock, and moves the dashboard counts', async () => {
    const day = 86_400_000;
    const start = NOW.getTime();
    let now = new Date(start);
    const caseId = randomUUID();
    const beaten = createEvent('ill-treatment-reported', {
      id: randomUUID(),
      caseId,
      time: new Date(start - 6 * day),
      occurredAt: new Date(start - 6 * day),
      source: '/beacon/intake-api',
      data: EXAMPLES['ill-treatment-reported'].data,
    });
    await projection(() => now).apply(TOPIC, 0, [recordOf(beaten, TOPIC, 0, 0)], noDeadLetters);
    const read = async () =>
      (
        await pool.query<{ urgency: string; urgency_review_at: Date | null; updated_at: Date }>(
          'SELECT urgency, urgency_review_at, updated_at FROM projection.cases',
        )
      ).rows[0]!;
    const before = await read();
    expect(before.urgency).toBe('critical');
    expect(before.urgency_review_at?.getTime()).toBe(start + day + 1);
    const sut = new UrgencyReview(
      pool,
      new ReadModelVersionsRepository(pool),
      new ReadModelRepository(),
      () => now,
    );

    expect(await sut.reviewDue()).toBe(0);
    now = new Date(start + 2 * day);
    expect(await sut.reviewDue()).toBe(1);

    const after = await read();
    expect(after.urgency).toBe('routine');
    expect(after.urgency_review_at).toBeNull();
    expect(after.updated_at.getTime()).toBe(now.getTime());
    const counts = await pool.query<{ urgency: string; cases: number }>(
      'SELECT urgency, cases FROM projection.case_counts',
    );
    expect(counts.rows).toEqual([{ urgency: 'routine', cases: 1 }]);
  });

  it('keeps the positions of each read-model version apart', async () => {
    const events = pastCaseEvents(3, 5);
    await projection().apply(
      TOPIC,
      2,
      events.map((e, i) => recordOf(e, TOPIC, 2, i)),
      noDeadLetters,
    );

    const { rows } = await pool.query<{ consumer: string; partition: number; next_offset: string }>(
      'SELECT consumer, partition, next_offset FROM projection.kafka_checkpoints',
    );
    expect(rows).toEqual([
      { consumer: 'case-projector@v1', partition: 2, next_offset: String(events.length) },
    ]);
    expect(await projection().storedOffsets(TOPIC)).toEqual(new Map([[2, String(events.length)]]));
    const snap = await snapshot(pool);
    expect(snap.cases).toHaveLength(3);
  });

  it('keeps identity fields only as ciphertext, blanks an erased person’s everywhere, and never stores them again', async () => {
    const [p1, p2] = ['p_Erased0000000000001', 'p_Kept00000000000000002'];
    const [c1, c2, c3] = [randomUUID(), randomUUID(), randomUUID()];
    let minute = 0;
    // Each event's sealed values get ciphertexts of their own, so what is left can be told apart.
    const reseal = (data: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(data).map(([k, v]) =>
          typeof v === 'object' && v !== null && 'ct' in v
            ? [k, { ...v, ct: randomUUID().replace(/-/g, '') }]
            : [k, v],
        ),
      );
    const event = <N extends 'person-identified' | 'detention-reported' | 'record-erased'>(
      name: N,
      caseId: string,
      personRef: string,
    ) => {
      const example = EXAMPLES[name].data as Record<string, unknown> & {
        context: Record<string, unknown>;
      };
      const at = new Date(NOW.getTime() - 3_600_000 + ++minute * 60_000);
      return createEvent(name, {
        id: randomUUID(),
        caseId,
        time: at,
        occurredAt: at,
        source: '/beacon/intake-api',
        data: reseal({
          ...example,
          context: { ...example.context, personRef },
          ...(name === 'record-erased' ? { personRef } : {}),
        }) as never,
      });
    };
    // The erased person has two cases; the erasure event arrives on one of them.
    const first = [
      event('person-identified', c1, p1),
      event('detention-reported', c1, p1),
      event('person-identified', c3, p1),
      event('person-identified', c2, p2),
    ];
    const erasure = [event('record-erased', c1, p1), event('detention-reported', c1, p1)];
    const later = [event('detention-reported', c3, p1), event('detention-reported', c2, p2)];
    const all = [...first, ...erasure, ...later];
    const sut = projection();
    let offset = 0;
    for (const batch of [first, erasure, later]) {
      await sut.apply(
        TOPIC,
        0,
        batch.map((e) => recordOf(e, TOPIC, 0, offset++)),
        noDeadLetters,
      );
    }

    const rows = async (version = 1) =>
      (
        await pool.query<{
          person_ref: string;
          field: string;
          value: { alg: string; ct: string } | null;
          erased_at: Date | null;
        }>(
          `SELECT person_ref, field, value, erased_at FROM projection.case_identity_v${version} ORDER BY event_id, field`,
        )
      ).rows;
    const stored = await rows();
    const erased = stored.filter((r) => r.person_ref === p1);
    const kept = stored.filter((r) => r.person_ref === p2);
    // Person 2: four identity fields and two notes, as the ciphertext they arrived as.
    expect(
      kept
        .filter((r) => r.field !== 'notes')
        .map((r) => r.field)
        .sort(),
    ).toEqual(['dateOfBirth', 'name', 'phone', 'registrationNumber']);
    expect(kept.every((r) => r.value?.alg === 'A256GCM' && r.erased_at === null)).toBe(true);
    expect(kept.some((r) => r.field === 'notes')).toBe(true);
    // Person 1: nothing left but the marker of the erasure, on neither case, whenever the values came.
    expect(erased.map((r) => [r.field, r.value, r.erased_at !== null])).toEqual([
      ['erasure', null, true],
    ]);
    const text = JSON.stringify(stored);
    for (const e of all.filter((x) => x.data.context.personRef === p1)) {
      for (const value of Object.values(e.data)) {
        if (typeof value === 'object' && value !== null && 'ct' in value)
          expect(text).not.toContain(String(value.ct));
      }
    }

    // A replay into a new version (a rebuild) comes to the same rows: erased stays erased.
    const versions = new ReadModelVersionsRepository(pool);
    const { version } = await versions.beginBuilding(false);
    const client = await pool.connect();
    try {
      await new ReadModelRepository().write(
        client,
        version,
        all.map((e, i) => ({ event: e, partition: 0, offset: String(i) })),
        NOW,
      );
    } finally {
      client.release();
    }
    expect(await rows(version)).toEqual(stored);
  });
});
