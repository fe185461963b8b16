import { AuditLog, migrateAudit } from '@beacon/audit';
import { createPool, runMigrations, type Pool } from '@beacon/persistence';
import {
  createTestDatabase,
  startSmtpCapture,
  type SmtpCapture,
  type TestDatabase,
} from '@beacon/testing';
import { randomUUID } from 'node:crypto';
import { loadDispatcherConfig } from '../dispatcher.config';
import { alertingMigrations } from '../migrations';
import { AuditAlertsWorker } from './audit-alerts.worker';

describe(AuditAlertsWorker.name, () => {
  let db: TestDatabase;
  let pool: Pool;
  let smtp: SmtpCapture;
  let audit: AuditLog;
  const desk = ['security-desk@beacon.example', 'dpo@beacon.example'];

  beforeAll(async () => {
    db = await createTestDatabase('beacon_dispatcher_audit_alerts');
    await runMigrations(db.url, 'alerting', alertingMigrations);
    await migrateAudit(db.url);
    pool = createPool(db.url, 'audit-alerts-test', 10);
    smtp = await startSmtpCapture();
    audit = new AuditLog(pool, { bulkRead: { threshold: 3, windowMs: 10 * 60_000 } });
  });

  afterAll(async () => {
    await pool?.end();
    await smtp?.stop();
    await db?.drop();
  });

  const worker = () =>
    new AuditAlertsWorker(
      loadDispatcherConfig({
        DATABASE_URL: db.url,
        KAFKA_BROKERS: '127.0.0.1:9092',
        SMTP_URL: smtp.url,
        PUBLIC_CONSOLE_URL: 'https://console.beacon.example',
        SECURITY_ALERT_EMAILS: desk.join(','),
      }),
      pool,
    );

  const readCases = async (actor: string, cases: string[]) => {
    for (const caseId of cases) {
      await audit.record({
        actor: { id: actor, role: 'officer' },
        action: 'read',
        subject: { type: 'case', id: caseId },
        fields: ['name', 'phone'],
        purpose: 'case-work',
      });
    }
  };

  it('e-mails each bulk-read alert to the security desk once, naming the user and no case, even with two dispatchers', async () => {
    const cases = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await readCases('officer-7', cases);
    await readCases('officer-9', cases.slice(0, 2));
    expect(await audit.alertsAfter(0)).toHaveLength(1);

    const [first, second] = [worker(), worker()];
    const sent = await Promise.all([first.pollOnce(), second.pollOnce()]);

    expect(sent.reduce((a, b) => a + b, 0)).toBe(1);
    const mail = await smtp.waitForMail((m) => m.envelopeTo.includes(desk[0]!), 5_000);
    expect(mail.envelopeTo.sort()).toEqual([...desk].sort());
    expect(mail.parsed.subject).toContain('bulk read by user officer-7');
    expect(mail.parsed.text).toContain('https://console.beacon.example/v1/audit?actorId=officer-7');
    for (const caseId of cases) expect(mail.raw).not.toContain(caseId);
    expect(await worker().pollOnce()).toBe(0);

    // A later alert is sent in its turn; the earlier one is not sent again.
    await readCases('officer-9', [randomUUID()]);
    expect(await first.pollOnce()).toBe(1);
    await smtp.waitForMail(
      (m) => (m.parsed.subject ?? '').includes('bulk read by user officer-9'),
      5_000,
    );
    expect(
      smtp.messages.filter((m) => (m.parsed.subject ?? '').includes('bulk read by user officer-7')),
    ).toHaveLength(1);
  });

  it('keeps an alert for the next round when the mail server refuses it', async () => {
    const refusing = new AuditAlertsWorker(
      loadDispatcherConfig({
        DATABASE_URL: db.url,
        KAFKA_BROKERS: '127.0.0.1:9092',
        SMTP_URL: 'smtp://127.0.0.1:1',
        SECURITY_ALERT_EMAILS: desk[0],
      }),
      pool,
    );
    await readCases('officer-11', [randomUUID(), randomUUID(), randomUUID()]);

    await expect(refusing.pollOnce()).rejects.toThrow();
    expect(await worker().pollOnce()).toBe(1);
    await smtp.waitForMail(
      (m) => (m.parsed.subject ?? '').includes('bulk read by user officer-11'),
      5_000,
    );
  });
});
