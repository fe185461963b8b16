import { type EncryptedValue } from '@beacon/security';
import { Inject, Injectable } from '@nestjs/common';
import { type Pool } from 'pg';
import { CONSOLE_POOL } from '../cases/cases.repository';

export interface SealedField {
  eventId: string;
  field: string;
  personRef: string;
  eventName: string;
  occurredAt: Date;
  /** Null once the person is erased. */
  value: EncryptedValue | null;
  erasedAt: Date | null;
}

/** The sealed identity fields the projector keeps per case: ciphertext only, never decrypted there. */
@Injectable()
export class CaseIdentityRepository {
  constructor(@Inject(CONSOLE_POOL) private readonly pool: Pool) {}

  async ofCase(caseId: string): Promise<SealedField[]> {
    const { rows } = await this.pool.query<{
      event_id: string;
      field: string;
      person_ref: string;
      event_name: string;
      occurred_at: Date;
      value: EncryptedValue | null;
      erased_at: Date | null;
    }>(
      `SELECT event_id, field, person_ref, event_name, occurred_at, value, erased_at
         FROM projection.case_identity WHERE case_id = $1
        ORDER BY occurred_at, recorded_at, event_id, field`,
      [caseId],
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      field: r.field,
      personRef: r.person_ref,
      eventName: r.event_name,
      occurredAt: r.occurred_at,
      value: r.value,
      erasedAt: r.erased_at,
    }));
  }
}
