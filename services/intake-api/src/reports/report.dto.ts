import {
  CODES,
  REPORTED_EVENT_NAMES,
  type ReportedEventName,
  reportContextSchema,
  reportedPayloadObjects,
} from '@beacon/events';
import { z } from 'zod';

/** A report names the time it happened with an offset; events store it in UTC. */
const isoDateTime = z.iso.datetime({
  offset: true,
  message: 'must be an ISO-8601 date-time with offset, e.g. 2026-11-27T23:40:00+05:00',
});
const context = reportContextSchema.shape;
const MAX_TEXT_BYTES = 3_000;
const freeText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    // Sealed text has a size limit in the catalogue; count bytes, as Cyrillic takes two each.
    .refine(
      (s) => Buffer.byteLength(s, 'utf8') <= MAX_TEXT_BYTES,
      `must be at most ${MAX_TEXT_BYTES} bytes`,
    );

export type FactType = Exclude<ReportedEventName, 'person-identified'>;
/** Facts a hotline reports; the person's identity goes in `persons`, never in a fact. */
export const FACT_TYPES = REPORTED_EVENT_NAMES.filter(
  (name): name is FactType => name !== 'person-identified',
);

/** Fields intake fills in itself, per fact type, beyond the report context. */
const FILLED_BY_INTAKE: Partial<Record<FactType, readonly string[]>> = {
  'record-erased': ['personRef'],
};

/** Payload fields whose name is taken by the fact's own `type`: renamed in the request. */
export const RENAMED: Partial<Record<FactType, Record<string, string>>> = {
  'intervention-logged': { type: 'interventionType' },
};

/**
 * A fact is its event's payload from the catalogue without the context (taken from the report),
 * with notes as plain text (intake seals them) and with where it applies and when.
 */
function factSchema(type: FactType) {
  const payload = reportedPayloadObjects[type] as unknown as z.ZodObject;
  const renamed = Object.entries(RENAMED[type] ?? {});
  const omitted = [
    'context',
    ...(FILLED_BY_INTAKE[type] ?? []),
    ...renamed.map(([field]) => field),
  ].filter((key) => key in payload.shape);
  const extension: Record<string, z.ZodType> = {
    ...Object.fromEntries(renamed.map(([field, as]) => [as, payload.shape[field] as z.ZodType])),
    type: z.literal(type),
    /** Indexes into `persons`; the fact applies to every person when omitted. */
    appliesTo: z.array(z.number().int().min(0).max(49)).min(1).max(50).optional(),
    occurredAt: isoDateTime.optional(),
  };
  if ('notes' in payload.shape) extension.notes = freeText(1_000).optional();
  // Intake compares the destination with the (sensitive) country of origin when not given.
  if (type === 'removal-threat-reported')
    extension.destinationIsOriginCountry = z.boolean().optional();
  const mask = Object.fromEntries(omitted.map((key) => [key, true] as const)) as Record<
    string,
    true
  > &
    Record<number, never>;
  return payload.omit(mask).extend(extension);
}

const factSchemas = FACT_TYPES.map(factSchema) as [
  ReturnType<typeof factSchema>,
  ...ReturnType<typeof factSchema>[],
];

export const factInputSchema = z.discriminatedUnion('type', factSchemas, {
  error: (issue) =>
    issue.code === 'invalid_union' ? `must be one of: ${FACT_TYPES.join(', ')}` : undefined,
});

const registrationNumber = z
  .string()
  .trim()
  .min(3)
  .max(64)
  .refine(
    (v) => v.replace(/[^0-9A-Za-z]/g, '').length >= 3,
    'must contain at least 3 letters or digits',
  );

export const personInputSchema = z.strictObject({
  name: freeText(200).optional(),
  dateOfBirth: z.iso.date().optional(),
  registrationNumber: registrationNumber.optional(),
  phone: z
    .string()
    .regex(/^\+?[0-9 ()-]{5,20}$/, 'must be a phone number')
    .optional(),
  unhcrStatus: z.enum(CODES.unhcrStatus),
  countryOfOrigin: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "UZ"')
    .optional(),
  sex: z.enum(CODES.sex).default('unknown'),
  ageBand: z.enum(CODES.ageBand).default('unknown'),
  dependantsAffected: z.number().int().min(0).max(50).default(0),
  notes: freeText(1_000).optional(),
});

const FUTURE_TOLERANCE_MS = 5 * 60_000;
const notInFuture = (value: string) => Date.parse(value) <= Date.now() + FUTURE_TOLERANCE_MS;

export const reportInputSchema = z
  .strictObject({
    occurredAt: isoDateTime,
    timeBand: context.timeBand,
    region: context.region,
    source: z.strictObject({
      role: context.sourceRole,
      reliability: context.reliability,
      channel: context.channel,
      language: context.language,
    }),
    recordedBy: context.recordedBy,
    incidentId: z.uuid().optional(),
    persons: z.array(personInputSchema).min(1).max(50),
    facts: z.array(factInputSchema).min(1).max(20),
  })
  .superRefine((report, ctx) => {
    if (!notInFuture(report.occurredAt)) {
      ctx.addIssue({ code: 'custom', path: ['occurredAt'], message: 'must not be in the future' });
    }
    report.facts.forEach((fact, i) => {
      if (fact.occurredAt !== undefined && !notInFuture(fact.occurredAt as string)) {
        ctx.addIssue({
          code: 'custom',
          path: ['facts', i, 'occurredAt'],
          message: 'must not be in the future',
        });
      }
      ((fact.appliesTo ?? []) as number[]).forEach((index, j) => {
        if (index >= report.persons.length) {
          ctx.addIssue({
            code: 'custom',
            path: ['facts', i, 'appliesTo', j],
            message: `no person at index ${index}`,
          });
        }
      });
    });
  });

export const MAX_BATCH = 100;
export const batchInputSchema = z.strictObject({
  reports: z.array(reportInputSchema).min(1).max(MAX_BATCH),
});

export type PersonInput = z.output<typeof personInputSchema>;
export interface FactInput {
  type: FactType;
  appliesTo?: number[];
  occurredAt?: string;
  notes?: string;
  [field: string]: unknown;
}
export type ReportInput = Omit<z.output<typeof reportInputSchema>, 'facts'> & {
  facts: FactInput[];
};

export const caseAcceptedSchema = z.object({
  /** Index of the person in the report's `persons`. */
  personIndex: z.number().int().min(0),
  caseId: z.uuid(),
  /** True when the person's registration number matched an open case. */
  joinedExistingCase: z.boolean(),
  eventIds: z.array(z.uuid()),
});

export const reportAcceptedSchema = z.object({
  reportId: z.uuid(),
  /** Links the per-person cases of this report. */
  incidentId: z.uuid(),
  cases: z.array(caseAcceptedSchema),
});

export const batchAcceptedSchema = z.object({ reports: z.array(reportAcceptedSchema) });

export const reportStatusSchema = z.object({
  reportId: z.uuid(),
  incidentId: z.uuid(),
  receivedAt: z.iso.datetime(),
  /** `published` once every event of the report is on the case topic. */
  status: z.enum(['accepted', 'published']),
  events: z.object({ total: z.number().int(), published: z.number().int() }),
  cases: z.array(caseAcceptedSchema.extend({ published: z.boolean() })),
});

export type CaseAccepted = z.output<typeof caseAcceptedSchema>;
export type ReportAccepted = z.output<typeof reportAcceptedSchema>;
export type BatchAccepted = z.output<typeof batchAcceptedSchema>;
export type ReportStatus = z.output<typeof reportStatusSchema>;
