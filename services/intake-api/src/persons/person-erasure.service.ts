import { type AuditRecorder } from '@beacon/audit';
import { CODES, createEvent, encodeForKafka } from '@beacon/events';
import { Outbox, withTransaction } from '@beacon/persistence';
import { PersonKeyVault } from '@beacon/vault';
import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { type Pool } from 'pg';
import { CASE_TOPIC, INTAKE_POOL } from '../intake.tokens';
import { EVENT_SOURCE } from '../reports/report-events.service';
import { PersonRefsRepository } from './person-refs.repository';

export const INTAKE_AUDIT = Symbol('INTAKE_AUDIT');

export type ErasureRequester = (typeof CODES.erasureRequester)[number];

export interface ErasureRequest {
  personRef: string;
  /** A reason code kept in the tombstone and the audit log, e.g. `person-request`, `retention`. */
  reason: string;
  requestedBy: ErasureRequester;
  /** Opaque id of the administrator who runs the erasure. */
  actor: string;
  now?: Date;
}

export interface ErasureOutcome {
  personRef: string;
  destroyedNow: boolean;
  erasedAt: Date;
  cases: string[];
  /** record-erased events appended now (0 when a earlier run already did). */
  eventsAppended: number;
}

export type ErasureErrorCode = 'unknown-person';

export class ErasureException extends Error {
  override readonly name = 'ErasureException';
  constructor(
    readonly code: ErasureErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Who asked, as the catalogue's source roles know them. */
const SOURCE_ROLE: Record<ErasureRequester, (typeof CODES.sourceRole)[number]> = {
  person: 'person',
  family: 'family',
  lawyer: 'lawyer',
  'data-protection-officer': 'ngo',
};

/**
 * Crypto-shredding: destroys the person's data key, records the act in the audit log, then
 * tells every case of the person with a record-erased event through the outbox. In that order,
 * so the data is unreadable before anyone is told; every step can be run again safely, and a
 * run that stopped half-way is completed by running it again.
 */
@Injectable()
export class PersonErasureService {
  constructor(
    @Inject(INTAKE_POOL) private readonly pool: Pool,
    @Inject(CASE_TOPIC) private readonly topic: string,
    @Inject(INTAKE_AUDIT) private readonly audit: AuditRecorder,
    private readonly vault: PersonKeyVault,
    private readonly outbox: Outbox,
    private readonly persons: PersonRefsRepository,
  ) {}

  async erase(request: ErasureRequest): Promise<ErasureOutcome> {
    const now = request.now ?? new Date();
    const cases = await this.persons.casesOf(request.personRef);
    if (
      cases.length === 0 &&
      !(await this.vault.readKey(request.personRef)) &&
      !(await this.vault.isErased(request.personRef))
    ) {
      throw new ErasureException('unknown-person', 'no case and no key has this person reference');
    }
    const erasure = await this.vault.erase(request.personRef, request.actor, request.reason);
    await this.audit.record({
      actor: { id: request.actor, role: 'admin' },
      action: 'erase',
      subject: { type: 'person', id: request.personRef },
      purpose: request.reason,
      at: now,
      detail: { cases: cases.length, keyDestroyed: erasure.destroyedNow },
    });
    const events = cases.map(({ caseId, region }) =>
      createEvent('record-erased', {
        id: erasureEventId(caseId, request.personRef),
        caseId,
        time: now,
        occurredAt: now,
        source: EVENT_SOURCE,
        data: {
          context: {
            personRef: request.personRef,
            reportedAt: now.toISOString(),
            sourceRole: SOURCE_ROLE[request.requestedBy],
            reliability: 'confirmed',
            channel: 'walk-in',
            language: 'en',
            recordedBy: eventActor(request.actor),
            region,
          },
          personRef: request.personRef,
          requestedBy: request.requestedBy,
        },
      }),
    );
    const appended = await withTransaction(this.pool, async (client) => {
      // No new report may join the person's cases any more: their next report opens a new one.
      await client.query('DELETE FROM intake.person_cases WHERE person_ref = $1', [
        request.personRef,
      ]);
      await this.outbox.lockKeys(
        client,
        events.map((e) => e.subject),
      );
      const { rows } = await client.query<{ event_id: string }>(
        'SELECT event_id FROM intake.outbox WHERE event_id = ANY($1::uuid[])',
        [events.map((e) => e.id)],
      );
      const present = new Set(rows.map((r) => r.event_id));
      const fresh = events.filter((e) => !present.has(e.id));
      await this.outbox.append(
        client,
        fresh.map((event) => ({ eventId: event.id, topic: this.topic, ...encodeForKafka(event) })),
      );
      return fresh.length;
    });
    return {
      personRef: request.personRef,
      destroyedNow: erasure.destroyedNow,
      erasedAt: erasure.erasedAt,
      cases: cases.map((c) => c.caseId),
      eventsAppended: appended,
    };
  }
}

/** The catalogue's operator ids start with a letter; a console user id (a uuid) gets a prefix. */
function eventActor(actor: string): string {
  return /^[A-Za-z]/.test(actor) ? actor : `user:${actor}`;
}

/** One erasure event per case and person, whatever the number of runs: a UUIDv8 from both ids. */
export function erasureEventId(caseId: string, personRef: string): string {
  const hex = createHash('sha256')
    .update(`record-erased\u0000${caseId}\u0000${personRef}`)
    .digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
