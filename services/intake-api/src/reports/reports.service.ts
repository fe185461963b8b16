import {
  createEvent,
  encodeForKafka,
  type CaseEvent,
  type EventData,
  type EventName,
  EventValidationError,
} from '@beacon/events';
import { ProblemException, type InvalidParam, validationProblem } from '@beacon/http';
import { Outbox, withTransaction, type PoolClient } from '@beacon/persistence';
import { encryptField, keyRingFrom, newPersonRef, registrationHash, type KeyRing } from '@beacon/security';
import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { type Pool } from 'pg';
import { type HotlinePrincipal } from '../auth/hotline-keys.repository';
import { INTAKE_CONFIG, type IntakeConfig } from '../intake.config';
import { CASE_TOPIC, INTAKE_POOL } from '../intake.tokens';
import { RelayService } from '../outbox/relay.service';
import { type PersonInput, type ReportAccepted, type ReportInput } from './report.dto';

const SOURCE = '/beacon/intake-api';

interface CaseAssignment {
  personIndex: number;
  caseId: string;
  personRef: string;
  joinedExistingCase: boolean;
}

@Injectable()
export class ReportsService {
  private readonly ring: KeyRing;
  private readonly hmacKey: Buffer;

  constructor(
    @Inject(INTAKE_CONFIG) config: IntakeConfig,
    @Inject(INTAKE_POOL) private readonly pool: Pool,
    @Inject(CASE_TOPIC) private readonly topic: string,
    private readonly outbox: Outbox,
    private readonly relay: RelayService,
  ) {
    this.ring = keyRingFrom({ kid: config.PII_ENCRYPTION_KEY_ID, key: Buffer.from(config.PII_ENCRYPTION_KEY, 'base64') });
    this.hmacKey = Buffer.from(config.PERSON_HMAC_KEY, 'base64');
  }

  /**
   * Commits every event of the report to the outbox in one transaction, then answers. A
   * repeated Idempotency-Key returns the first answer and writes nothing.
   */
  async accept(hotline: HotlinePrincipal, report: ReportInput, idempotencyKey: string | null): Promise<ReportAccepted> {
    this.authorise(hotline, report);
    const requestHash = createHash('sha256').update(JSON.stringify(report)).digest('hex');
    const now = new Date();
    const result = await withTransaction(this.pool, async (client) => {
      const reportId = randomUUID();
      if (idempotencyKey !== null) {
        const previous = await this.claimIdempotencyKey(client, hotline.hotlineId, idempotencyKey, requestHash, reportId);
        if (previous) return { accepted: previous, fresh: false };
      }
      const incidentId = report.incidentId ?? randomUUID();
      const assignments = await this.assignCases(client, report.persons);
      const events = this.buildEvents(report, assignments, incidentId, now);
      await this.outbox.append(
        client,
        events.map((event) => ({ eventId: event.id, topic: this.topic, ...encodeForKafka(event) })),
      );
      const accepted: ReportAccepted = {
        reportId,
        incidentId,
        cases: assignments.map((a) => ({
          personIndex: a.personIndex,
          caseId: a.caseId,
          joinedExistingCase: a.joinedExistingCase,
          eventIds: events.filter((e) => e.subject === a.caseId).map((e) => e.id),
        })),
      };
      await client.query(
        `INSERT INTO intake.reports (report_id, hotline_id, incident_id, cases, event_ids) VALUES ($1, $2, $3, $4, $5)`,
        [reportId, hotline.hotlineId, incidentId, JSON.stringify(accepted.cases), events.map((e) => e.id)],
      );
      return { accepted, fresh: true };
    });
    if (result.fresh) this.relay.nudge();
    return result.accepted;
  }

  async status(hotline: HotlinePrincipal, reportId: string) {
    const { rows } = await this.pool.query<{ incident_id: string; cases: ReportAccepted['cases']; event_ids: string[]; received_at: Date }>(
      `SELECT incident_id, cases, event_ids, received_at FROM intake.reports WHERE report_id = $1 AND hotline_id = $2`,
      [reportId, hotline.hotlineId],
    );
    const row = rows[0];
    if (!row) throw new ProblemException(404, 'not-found', 'Report not found', 'No report with this id was received from this hotline.');
    const published = await this.outbox.isPublished(this.pool, row.event_ids);
    const publishedCount = row.event_ids.filter((id) => published.get(id)).length;
    return {
      reportId,
      incidentId: row.incident_id,
      receivedAt: row.received_at.toISOString(),
      status: publishedCount === row.event_ids.length ? 'published' : 'accepted',
      events: { total: row.event_ids.length, published: publishedCount },
      cases: row.cases,
    };
  }

  private authorise(hotline: HotlinePrincipal, report: ReportInput): void {
    const allowed = (list: readonly string[], value: string) => list.includes('*') || list.includes(value);
    if (!allowed(hotline.regions, report.region)) {
      throw new ProblemException(403, 'forbidden-region', 'Region not permitted', `This hotline key may not report for region "${report.region}".`);
    }
    const denied = report.facts.map((f) => f.type).filter((t) => !allowed(hotline.eventTypes, t));
    if (denied.length > 0) {
      throw new ProblemException(403, 'forbidden-event-type', 'Event type not permitted', `This hotline key may not report: ${[...new Set(denied)].join(', ')}.`);
    }
  }

  private async claimIdempotencyKey(
    client: PoolClient,
    hotlineId: string,
    key: string,
    requestHash: string,
    reportId: string,
  ): Promise<ReportAccepted | null> {
    // A concurrent request with the same key waits here until the first commits.
    const inserted = await client.query(
      `INSERT INTO intake.idempotency_keys (hotline_id, key, request_hash, report_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [hotlineId, key, requestHash, reportId],
    );
    if (inserted.rowCount === 1) return null;
    const { rows } = await client.query<{ request_hash: string; incident_id: string; cases: ReportAccepted['cases']; report_id: string }>(
      `SELECT k.request_hash, r.report_id, r.incident_id, r.cases FROM intake.idempotency_keys k
       JOIN intake.reports r ON r.report_id = k.report_id WHERE k.hotline_id = $1 AND k.key = $2`,
      [hotlineId, key],
    );
    const row = rows[0];
    if (!row) {
      throw new ProblemException(409, 'idempotency-in-flight', 'Request in progress', 'A request with this Idempotency-Key is still being processed.', {}, { 'retry-after': '1' });
    }
    if (row.request_hash !== requestHash) {
      throw new ProblemException(422, 'idempotency-key-reused', 'Idempotency-Key reused', 'This Idempotency-Key was used for a different request body.');
    }
    return { reportId: row.report_id, incidentId: row.incident_id, cases: row.cases };
  }

  /** A person whose registration number is in an open case joins it; everyone else opens one. */
  private async assignCases(client: PoolClient, persons: readonly PersonInput[]): Promise<CaseAssignment[]> {
    const assignments: CaseAssignment[] = [];
    for (const [personIndex, person] of persons.entries()) {
      if (person.registrationNumber) {
        const hash = registrationHash(this.hmacKey, person.registrationNumber);
        const candidate = { caseId: randomUUID(), personRef: newPersonRef() };
        const { rows } = await client.query<{ case_id: string; person_ref: string; inserted: boolean }>(
          `WITH ins AS (
             INSERT INTO intake.person_cases (registration_hash, person_ref, case_id) VALUES ($1, $2, $3)
             ON CONFLICT (registration_hash) DO NOTHING RETURNING case_id, person_ref
           )
           SELECT case_id, person_ref, true AS inserted FROM ins
           UNION ALL
           SELECT case_id, person_ref, false FROM intake.person_cases WHERE registration_hash = $1
           LIMIT 1`,
          [hash, candidate.personRef, candidate.caseId],
        );
        const row = rows[0];
        if (!row) throw new Error('person case assignment returned no row');
        const joined = !row.inserted;
        // The same person named twice in one report is one case.
        const duplicate = assignments.find((a) => a.caseId === row.case_id);
        if (duplicate) {
          throw validationProblem([{ name: `/persons/${personIndex}/registrationNumber`, reason: `same person as /persons/${duplicate.personIndex}` }]);
        }
        assignments.push({ personIndex, caseId: row.case_id, personRef: row.person_ref, joinedExistingCase: joined });
      } else {
        assignments.push({ personIndex, caseId: randomUUID(), personRef: newPersonRef(), joinedExistingCase: false });
      }
    }
    return assignments;
  }

  private buildEvents(report: ReportInput, assignments: CaseAssignment[], incidentId: string, now: Date): CaseEvent[] {
    const events: CaseEvent[] = [];
    const invalid: InvalidParam[] = [];
    const context = (personRef: string) => ({
      personRef,
      reportedAt: now.toISOString(),
      sourceRole: report.source.role,
      reliability: report.source.reliability,
      channel: report.source.channel,
      language: report.source.language,
      recordedBy: report.recordedBy,
      region: report.region,
      ...(report.timeBand ? { timeBand: report.timeBand } : {}),
    });
    const make = (name: EventName, caseId: string, occurredAt: string, data: Record<string, unknown>, pointer: string) => {
      try {
        events.push(
          createEvent(name, {
            id: randomUUID(),
            caseId,
            time: now,
            occurredAt,
            source: SOURCE,
            incidentId,
            data: data as EventData<typeof name>,
          }),
        );
      } catch (error) {
        if (!(error instanceof EventValidationError)) throw error;
        for (const issue of error.issues) {
          // Issues in the context we built are ours to fix, not the caller's.
          if (issue.path.startsWith('data.context')) throw error;
          invalid.push({ name: pointerOf(pointer, issue.path), reason: issue.message });
        }
      }
    };
    for (const a of assignments) {
      const person = report.persons[a.personIndex];
      if (!person) continue;
      const identity = this.identityOf(person);
      if (!a.joinedExistingCase || Object.keys(identity).length > 0) {
        make('person-identified', a.caseId, report.occurredAt, { context: context(a.personRef), ...identity }, `/persons/${a.personIndex}`);
      }
    }
    report.facts.forEach((fact, factIndex) => {
      const { type, appliesTo, occurredAt, ...fields } = fact;
      for (const a of assignments) {
        if (appliesTo && !appliesTo.includes(a.personIndex)) continue;
        const data: Record<string, unknown> = { context: context(a.personRef), ...fields };
        // Free text is personal data: it is stored only encrypted.
        if (typeof data.notes === 'string') data.notes = encryptField(this.ring, data.notes);
        if (type === 'removal-threat-reported' && data.destinationIsOriginCountry === undefined) {
          const origin = report.persons[a.personIndex]?.countryOfOrigin;
          data.destinationIsOriginCountry = origin !== undefined && origin === data.destinationCountry;
        }
        make(type, a.caseId, occurredAt ?? report.occurredAt, data, `/facts/${factIndex}`);
      }
    });
    if (invalid.length > 0) {
      const unique = [...new Map(invalid.map((p) => [`${p.name}:${p.reason}`, p])).values()];
      throw validationProblem(unique);
    }
    return events;
  }

  /** Identifying fields leave intake only encrypted; the registration number also as a keyed hash. */
  private identityOf(person: PersonInput): Record<string, unknown> {
    const encrypt = (v: string | undefined) => (v === undefined ? undefined : encryptField(this.ring, v));
    const fields: Record<string, unknown> = {
      name: encrypt(person.name),
      dateOfBirth: encrypt(person.dateOfBirth),
      registrationNumber: encrypt(person.registrationNumber),
      phone: encrypt(person.phone),
      registrationHash: person.registrationNumber ? registrationHash(this.hmacKey, person.registrationNumber) : undefined,
      unhcrStatus: person.unhcrStatus,
      countryOfOrigin: person.countryOfOrigin,
      sex: person.sex,
      ageBand: person.ageBand,
      dependantsAffected: person.dependantsAffected,
      notes: encrypt(person.notes),
    };
    return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  }
}

/** `data.place.region` or `data.kinds[0]` in an event becomes `/facts/2/place/region` in the request. */
function pointerOf(base: string, eventPath: string): string {
  if (eventPath === 'occurredat') return base.startsWith('/facts') ? `${base}/occurredAt` : '/occurredAt';
  const inData = eventPath.replace(/^data\.?/, '');
  const segments = inData.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== '');
  return [base, ...segments].join('/');
}
