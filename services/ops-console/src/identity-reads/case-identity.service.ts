import { type IdentityField } from '@beacon/access-policy';
import { type AuditRecorder } from '@beacon/audit';
import { type UserPrincipal } from '@beacon/identity';
import { PersonKeyVault } from '@beacon/vault';
import { Inject, Injectable } from '@nestjs/common';
import { CONSOLE_AUDIT } from '../console.tokens';
import { CaseIdentityRepository } from './case-identity.repository';

/** The single-valued identity fields: the latest report wins. */
const SINGLE: readonly IdentityField[] = ['name', 'dateOfBirth', 'registrationNumber', 'phone'];

export interface IdentityNote {
  eventId: string;
  event: string;
  occurredAt: string;
  /** Null when the person was erased. */
  text: string | null;
}

export interface CaseIdentityView {
  caseId: string;
  personRef: string | null;
  purpose: string;
  /** The person's data key is destroyed: every field reads null for good. */
  erased: boolean;
  fields: Partial<Record<IdentityField, string | null>>;
  notes?: IdentityNote[];
}

/**
 * Decrypts a case's identifying fields for an authorised reader, after writing the read to the
 * audit log: if the log cannot take it, nothing is disclosed.
 */
@Injectable()
export class CaseIdentityService {
  constructor(
    private readonly sealed: CaseIdentityRepository,
    private readonly vault: PersonKeyVault,
    @Inject(CONSOLE_AUDIT) private readonly audit: AuditRecorder,
  ) {}

  async read(
    principal: UserPrincipal,
    caseId: string,
    personRef: string | null,
    allowed: readonly IdentityField[],
    purpose: string,
  ): Promise<CaseIdentityView> {
    const rows = await this.sealed.ofCase(caseId);
    const ref = personRef ?? rows[0]?.personRef ?? null;
    await this.audit.record({
      actor: { id: principal.userId, role: principal.role },
      action: 'read',
      subject: { type: 'case', id: caseId },
      fields: [...allowed],
      identifying: true,
      purpose,
      detail: ref ? { personRef: ref } : {},
    });
    const erased =
      rows.some((r) => r.erasedAt !== null) || (ref !== null && (await this.vault.isErased(ref)));
    const wanted = rows.filter((r) => allowed.includes(r.field as IdentityField));
    const plain = erased
      ? wanted.map(() => null)
      : await this.vault.decryptMany(wanted.map((r) => r.value).filter((v) => v !== null));
    const texts = new Map<(typeof wanted)[number], string | null>();
    let next = 0;
    for (const row of wanted)
      texts.set(row, erased || row.value === null ? null : (plain[next++] ?? null));

    const fields: Partial<Record<IdentityField, string | null>> = {};
    for (const field of SINGLE) {
      if (!allowed.includes(field)) continue;
      const latest = wanted.filter((r) => r.field === field).at(-1);
      fields[field] = latest ? (texts.get(latest) ?? null) : null;
    }
    const view: CaseIdentityView = { caseId, personRef: ref, purpose, erased, fields };
    if (allowed.includes('notes')) {
      view.notes = wanted
        .filter((r) => r.field === 'notes')
        .map((r) => ({
          eventId: r.eventId,
          event: r.eventName,
          occurredAt: r.occurredAt.toISOString(),
          text: texts.get(r) ?? null,
        }));
    }
    return view;
  }
}
