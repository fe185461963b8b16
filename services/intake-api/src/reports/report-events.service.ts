import {
  type CaseEvent,
  type EventData,
  type EventName,
  EventValidationError,
  createEvent,
  newEventId,
} from '@beacon/events';
import { type InvalidParam, validationProblem } from '@beacon/http';
import { type EncryptedValue, registrationHash, sealWithDataKey } from '@beacon/security';
import { Inject, Injectable } from '@nestjs/common';
import { INTAKE_CONFIG, type IntakeConfig } from '../intake.config';
import { type PersonInput, RENAMED, type ReportInput } from './report.dto';

export const EVENT_SOURCE = '/beacon/intake-api';

/** A person's data key, as the vault hands it out: `kid` is bound into every value sealed with it. */
export interface PersonDataKey {
  kid: string;
  key: Buffer;
}

export interface CaseAssignment {
  personIndex: number;
  caseId: string;
  personRef: string;
  joinedExistingCase: boolean;
}

const IDENTIFYING = ['name', 'dateOfBirth', 'registrationNumber', 'phone', 'notes'] as const;

/** Whether a person's part of a report carries anything to seal under their data key. */
export function needsDataKey(report: ReportInput, personIndex: number): boolean {
  const person = report.persons[personIndex];
  if (!person) return false;
  if (IDENTIFYING.some((field) => person[field] !== undefined)) return true;
  return report.facts.some(
    (fact) =>
      'notes' in fact &&
      fact.notes !== undefined &&
      (!fact.appliesTo || fact.appliesTo.includes(personIndex)),
  );
}

/**
 * Turns a validated report into events: one person-identified per new (or newly identified)
 * person, then one event per fact per person it applies to. No I/O: assignments and the
 * persons' data keys come in.
 */
@Injectable()
export class ReportEventsService {
  private readonly hmacKey: Buffer;

  constructor(@Inject(INTAKE_CONFIG) config: IntakeConfig) {
    this.hmacKey = Buffer.from(config.PERSON_HMAC_KEY, 'base64');
  }

  registrationHash(registrationNumber: string): string {
    return registrationHash(this.hmacKey, registrationNumber);
  }

  /**
   * `keys` holds the data key of every person whose part carries identifying fields or notes
   * (`needsDataKey`); `pointer` is where the report sits in the request ('' or '/reports/3').
   */
  build(
    report: ReportInput,
    assignments: readonly CaseAssignment[],
    incidentId: string,
    now: Date,
    keys: ReadonlyMap<string, PersonDataKey>,
    pointer = '',
  ): CaseEvent[] {
    const events: CaseEvent[] = [];
    const invalid: InvalidParam[] = [];
    const occurredAt = new Date(report.occurredAt).toISOString();
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
    const make = (
      name: EventName,
      caseId: string,
      when: string,
      data: Record<string, unknown>,
      at: string,
    ) => {
      try {
        events.push(
          createEvent(name, {
            // Time-ordered, so facts of this report that share an occurredAt apply in the report's order.
            id: newEventId(),
            caseId,
            time: now,
            occurredAt: when,
            source: EVENT_SOURCE,
            incidentId,
            data: data as EventData<typeof name>,
          }),
        );
      } catch (error) {
        if (!(error instanceof EventValidationError)) throw error;
        // The request schema mirrors the catalogue, so this is a cross-field rule the schema
        // cannot express; the context is built here and checked by the same catalogue.
        for (const issue of error.issues)
          invalid.push({ name: pointerOf(at, issue.path), reason: issue.message });
      }
    };

    const sealerFor = (personRef: string) => (plaintext: string) => {
      const key = keys.get(personRef);
      // Never fall back to writing the text unsealed.
      if (!key) throw new Error('no data key for a person whose report carries identifying data');
      return sealWithDataKey(key.key, key.kid, plaintext);
    };

    for (const a of assignments) {
      const person = report.persons[a.personIndex];
      if (!person) continue;
      // Also when joining an open case: this report's account of the person is a fact of its own.
      make(
        'person-identified',
        a.caseId,
        occurredAt,
        { context: context(a.personRef), ...this.identityOf(person, sealerFor(a.personRef)) },
        `${pointer}/persons/${a.personIndex}`,
      );
    }
    report.facts.forEach((fact, factIndex) => {
      const { type, appliesTo, occurredAt: factOccurredAt, notes, ...fields } = fact;
      const when =
        factOccurredAt === undefined ? occurredAt : new Date(factOccurredAt).toISOString();
      for (const a of assignments) {
        if (appliesTo && !appliesTo.includes(a.personIndex)) continue;
        const data: Record<string, unknown> = { context: context(a.personRef), ...fields };
        for (const [field, as] of Object.entries(RENAMED[type] ?? {})) {
          data[field] = data[as];
          delete data[as];
        }
        // Free text is personal data: it leaves intake only sealed, under the person's key.
        if (notes !== undefined) data.notes = sealerFor(a.personRef)(notes);
        if (type === 'removal-threat-reported' && data.destinationIsOriginCountry === undefined) {
          const origin = report.persons[a.personIndex]?.countryOfOrigin;
          data.destinationIsOriginCountry =
            origin !== undefined && origin === data.destinationCountry;
        }
        if (type === 'record-erased') data.personRef = a.personRef;
        make(type, a.caseId, when, data, `${pointer}/facts/${factIndex}`);
      }
    });
    if (invalid.length > 0) {
      throw validationProblem([
        ...new Map(invalid.map((p) => [`${p.name}:${p.reason}`, p])).values(),
      ]);
    }
    return events;
  }

  /** Identifying fields leave intake only sealed; the registration number also as a keyed hash. */
  private identityOf(
    person: PersonInput,
    sealer: (plaintext: string) => EncryptedValue,
  ): Record<string, unknown> {
    const seal = (v: string | undefined) => (v === undefined ? undefined : sealer(v));
    const fields: Record<string, unknown> = {
      name: seal(person.name),
      dateOfBirth: seal(person.dateOfBirth),
      registrationNumber: seal(person.registrationNumber),
      phone: seal(person.phone),
      registrationHash:
        person.registrationNumber === undefined
          ? undefined
          : this.registrationHash(person.registrationNumber),
      unhcrStatus: person.unhcrStatus,
      countryOfOrigin: person.countryOfOrigin,
      sex: person.sex,
      ageBand: person.ageBand,
      dependantsAffected: person.dependantsAffected,
      notes: seal(person.notes),
    };
    return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  }
}

/** `data.place.region` or `data.kinds[0]` in an event becomes `/facts/2/place/region` in the request. */
export function pointerOf(base: string, eventPath: string): string {
  if (eventPath === 'occurredat') return `${base}/occurredAt`;
  if (eventPath.startsWith('data.context')) return base;
  const inData = eventPath.replace(/^data\.?/, '');
  const segments = inData.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== '');
  return [base, ...segments].join('/');
}
