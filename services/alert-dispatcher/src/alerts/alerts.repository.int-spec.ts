import { runMigrations } from '@beacon/persistence';
import { createTestDatabase, type TestDatabase } from '@beacon/testing';
import { randomUUID } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { alertingMigrations } from '../migrations';
import { AlertsRepository, type AlertInsert } from './alerts.repository';

function anAlert(ackCode: string): AlertInsert {
  const caseId = randomUUID();
  return {
    alert_id: randomUUID(),
    dedup_key: `${caseId}:urgency-critical`,
    case_id: caseId,
    incident_id: null,
    region: 'almaty',
    rule: 'urgency-critical',
    urgency: 'critical',
    ack_code: ackCode,
    event_code: 'DET',
    raised_at: new Date(),
  };
}

describe(AlertsRepository.name, () => {
  let database: TestDatabase;
  let pool: Pool;
  const sut = new AlertsRepository();

  beforeAll(async () => {
    database = await createTestDatabase('beacon_alerting_alerts');
    await runMigrations(database.url, 'alerting', alertingMigrations);
    pool = new Pool({ connectionString: database.url, max: 4 });
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  async function begin(): Promise<PoolClient> {
    const client = await pool.connect();
    await client.query('BEGIN');
    return client;
  }

  it('never gives two deciding transactions the same code, even before either commits', async () => {
    // Two dispatchers deciding at once, each about to raise an alert: same candidate codes.
    const sameAlertId = randomUUID();
    const [a, b] = [await begin(), await begin()];
    try {
      const codeA = await sut.allocateAckCode(a, sameAlertId);
      const codeB = await sut.allocateAckCode(b, sameAlertId);
      expect(codeB).not.toBe(codeA);

      expect(await sut.insert(a, anAlert(codeA))).toBe(true);
      expect(await sut.insert(b, anAlert(codeB))).toBe(true);
      await a.query('COMMIT');
      await b.query('COMMIT');
    } finally {
      a.release();
      b.release();
    }
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM alerting.alerts WHERE status = 'open'`,
    );
    expect(rows[0]?.n).toBe('2');
  });

  it('skips codes held by open alerts and reuses those of closed ones', async () => {
    const client = await begin();
    try {
      const alertId = randomUUID();
      const first = await sut.allocateAckCode(client, alertId);
      const open = anAlert(first);
      await sut.insert(client, open);

      const second = await sut.allocateAckCode(client, alertId);
      expect(second).not.toBe(first);

      await sut.close(client, [open.alert_id], new Date());
      expect(await sut.allocateAckCode(client, alertId)).toBe(first);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('gives every alert of a batch a code of its own, as each would take alone', async () => {
    const alertIds = Array.from({ length: 300 }, () => randomUUID());
    const [first] = alertIds;
    const client = await begin();
    try {
      const alone = await sut.allocateAckCode(client, first!);
      await client.query('ROLLBACK');
      await client.query('BEGIN');

      const codes = await sut.allocateAckCodes(client, alertIds);
      expect(codes.size).toBe(300);
      expect(new Set(codes.values()).size).toBe(300);
      expect([...codes.values()].every((code) => /^\d{4}$/.test(code))).toBe(true);
      expect(codes.get(first!)).toBe(alone);
      expect(
        await sut.insertMany(
          client,
          alertIds.map((id) => ({ ...anAlert(codes.get(id)!), alert_id: id })),
        ),
      ).toHaveProperty('size', 300);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('raises once per case and rule while the alert is open', async () => {
    const client = await begin();
    try {
      const alert = anAlert(await sut.allocateAckCode(client, randomUUID()));
      expect(await sut.insert(client, alert)).toBe(true);
      const again = {
        ...alert,
        alert_id: randomUUID(),
        ack_code: await sut.allocateAckCode(client, randomUUID()),
      };
      expect(await sut.insert(client, again)).toBe(false);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
