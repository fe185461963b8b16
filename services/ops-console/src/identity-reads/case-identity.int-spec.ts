import { AuditLog } from '@beacon/audit';
import { type UserPrincipal } from '@beacon/identity';
import { createPool, type Pool } from '@beacon/persistence';
import { keyRingFrom, newPersonRef } from '@beacon/security';
import { createTestDatabase, type TestDatabase } from '@beacon/testing';
import { PersonKeyVault } from '@beacon/vault';
import { randomBytes, randomUUID } from 'node:crypto';
import { migrateConsole } from '../migrations';
import { CaseIdentityRepository } from './case-identity.repository';
import { CaseIdentityService } from './case-identity.service';

/** The case-projector's view the console reads, in the shape its migration gives it. */
const PROJECTION_VIEW = `
  CREATE SCHEMA projection;
  CREATE TABLE projection.case_identity_v1 (
    event_id uuid NOT NULL, field text NOT NULL, case_id uuid NOT NULL, person_ref text NOT NULL,
    event_name text NOT NULL, occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL,
    value jsonb, erased_at timestamptz, PRIMARY KEY (event_id, field));
  CREATE VIEW projection.case_identity AS SELECT * FROM projection.case_identity_v1`;

describe(CaseIdentityService.name, () => {
  let db: TestDatabase;
  let pool: Pool;
  let vault: PersonKeyVault;
  let audit: AuditLog;
  let sut: CaseIdentityService;
  const officer: UserPrincipal = {
    userId: 'u-officer',
    role: 'officer',
    regions: ['almaty'],
    amr: ['pwd', 'otp'],
    sessionId: 's1',
  };
  const lawyer: UserPrincipal = {
    userId: 'u-lawyer',
    role: 'legal-aid',
    regions: [],
    organisation: 'legal-one',
    amr: ['pwd', 'otp'],
    sessionId: 's2',
  };

  beforeAll(async () => {
    db = await createTestDatabase('beacon_console_identity');
    await migrateConsole(db.url);
    pool = createPool(db.url, 'console-identity-test', 5);
    await pool.query(PROJECTION_VIEW);
    vault = new PersonKeyVault(pool, keyRingFrom({ kid: 'mk1', key: randomBytes(32) }));
    audit = new AuditLog(pool, { bulkRead: { threshold: 100, windowMs: 60_000 } });
    sut = new CaseIdentityService(new CaseIdentityRepository(pool), vault, audit);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  /** A case as the projector stores it: values sealed under the person's key, one row per field. */
  async function projectedCase(values: Record<string, string>) {
    const caseId = randomUUID();
    const personRef = newPersonRef();
    let minute = 0;
    for (const [field, text] of Object.entries(values)) {
      const at = new Date(Date.UTC(2009, 2, 12, 0, ++minute));
      await pool.query(
        `INSERT INTO projection.case_identity_v1 (event_id, field, case_id, person_ref, event_name, occurred_at, recorded_at, value)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`,
        [
          randomUUID(),
          field,
          caseId,
          personRef,
          field === 'notes' ? 'detention-reported' : 'person-identified',
          at,
          await vault.encryptForPerson(personRef, text),
        ],
      );
    }
    return { caseId, personRef };
  }

  it('decrypts the allowed fields for the reader and writes the read to the audit log first', async () => {
    const { caseId, personRef } = await projectedCase({
      name: 'Rustam Karimov',
      phone: '+77010000481',
      notes: 'Taken at night',
    });

    const view = await sut.read(
      officer,
      caseId,
      personRef,
      ['name', 'dateOfBirth', 'registrationNumber', 'phone', 'notes'],
      'case-work',
    );

    expect(view).toMatchObject({
      caseId,
      personRef,
      erased: false,
      fields: {
        name: 'Rustam Karimov',
        phone: '+77010000481',
        dateOfBirth: null,
        registrationNumber: null,
      },
      notes: [expect.objectContaining({ event: 'detention-reported', text: 'Taken at night' })],
    });
    const [entry] = await audit.list({ subjectId: caseId });
    expect(entry).toMatchObject({
      actor: { id: 'u-officer', role: 'officer' },
      action: 'read',
      identifying: true,
      purpose: 'case-work',
      detail: { personRef },
    });
    expect(JSON.stringify(entry)).not.toContain('Karimov');
  });

  it('gives a lawyer only the fields the referral covers', async () => {
    const { caseId, personRef } = await projectedCase({
      name: 'Jasur Tashkentov',
      phone: '+77010000483',
      notes: 'Beaten',
    });

    const view = await sut.read(lawyer, caseId, personRef, ['name'], 'legal-aid');

    expect(view.fields).toEqual({ name: 'Jasur Tashkentov' });
    expect(view.notes).toBeUndefined();
    expect((await audit.list({ subjectId: caseId }))[0]?.fields).toEqual(['name']);
  });

  it('reads an erased person as erased, with every value null', async () => {
    const { caseId, personRef } = await projectedCase({
      name: 'Otabek Rakhimov',
      notes: 'Held at the station',
    });
    await vault.erase(personRef, 'admin-1', 'person-request');

    const view = await sut.read(officer, caseId, personRef, ['name', 'notes'], 'case-work');

    expect(view).toMatchObject({
      erased: true,
      fields: { name: null },
      notes: [expect.objectContaining({ text: null })],
    });
  });

  it('discloses nothing when the audit log refuses the entry', async () => {
    const { caseId, personRef } = await projectedCase({ name: 'Sherzod Nazarov' });

    await expect(
      sut.read(officer, caseId, personRef, ['name'], 'Because I Was Asked'),
    ).rejects.toThrow(/invalid audit entry/);
    expect(await audit.list({ subjectId: caseId })).toEqual([]);
  });
});
