import { type EventName, REPORTED_EVENT_NAMES } from '@beacon/events';
import { z } from 'zod';

const isoDateTime = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time with offset, e.g. 2026-11-27T23:40:00+05:00' });
const slug = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a lower-case slug such as "almaty"');

/** Facts a hotline reports; the person's identity goes in `persons`, never in a fact. */
export const FACT_TYPES = REPORTED_EVENT_NAMES.filter((n) => n !== 'person-identified') as [EventName, ...EventName[]];

const personSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  dateOfBirth: z.iso.date().optional(),
  registrationNumber: z.string().trim().min(3).max(64).optional(),
  phone: z.string().regex(/^\+?[0-9 ()-]{5,20}$/, 'must be a phone number').optional(),
  // Coded fields are checked against the event catalogue when the events are built.
  unhcrStatus: z.string(),
  countryOfOrigin: z.string().optional(),
  sex: z.string().default('unknown'),
  ageBand: z.string().default('unknown'),
  dependantsAffected: z.number().int().min(0).max(50).default(0),
  notes: z.string().max(1000).optional(),
});

export const factSchema = z
  .looseObject({
    type: z.enum(FACT_TYPES, { message: `must be one of: ${FACT_TYPES.join(', ')}` }),
    /** Indexes into `persons`; the fact applies to every person when omitted. */
    appliesTo: z.array(z.number().int().min(0)).min(1).optional(),
    occurredAt: isoDateTime.optional(),
  });

export const reportSchema = z
  .strictObject({
    occurredAt: isoDateTime,
    timeBand: z.enum(['night', 'morning', 'afternoon', 'evening']).optional(),
    region: slug,
    source: z.strictObject({
      role: z.enum(['person', 'family', 'lawyer', 'community', 'ngo', 'unhcr']),
      reliability: z.enum(['confirmed', 'credible', 'unverified']),
      channel: z.enum(['call', 'sms', 'messenger', 'walk-in', 'partner-api']),
      language: z.enum(['en', 'ru', 'kk', 'uz', 'ky']),
    }),
    recordedBy: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be an operator id (letters, digits, . _ -)'),
    incidentId: z.uuid().optional(),
    persons: z.array(personSchema).min(1).max(50),
    facts: z.array(factSchema).min(1).max(20),
  })
  .superRefine((report, ctx) => {
    report.facts.forEach((fact, i) => {
      for (const [j, index] of (fact.appliesTo ?? []).entries()) {
        if (index >= report.persons.length) {
          ctx.addIssue({ code: 'custom', path: ['facts', i, 'appliesTo', j], message: `no person at index ${index}` });
        }
      }
    });
  });

export type ReportInput = z.infer<typeof reportSchema>;
export type PersonInput = z.infer<typeof personSchema>;

export interface ReportAccepted {
  reportId: string;
  incidentId: string;
  cases: { personIndex: number; caseId: string; joinedExistingCase: boolean; eventIds: string[] }[];
}
