import { z } from 'zod';
import {
  code,
  codeSet,
  countryCode,
  encryptedValueSchema,
  isoInstant,
  notesSchema,
  opaqueId,
  personRef,
  placeSchema,
  reportContextSchema,
  slug,
  uuid,
} from './common-schemas';
import { type EventName, type ReportedEventName } from './event-names';

const context = reportContextSchema;
const count = () => z.number().int().min(0).max(10_000);

// Coded fields first, short encrypted free text last: alerts and statistics read only codes.
const currentSchemas = {
  'report-received': z.strictObject({
    context,
    callerRelation: code('callerRelation'),
    callbackSafe: z.boolean(),
    callbackWindow: code('timeBand').optional(),
    privacyNoticeGiven: z.boolean(),
    legalBasis: code('legalBasis'),
    peopleConcerned: z.number().int().min(1).max(1_000),
    notes: notesSchema,
  }),
  'person-identified': z.strictObject({
    context,
    unhcrStatus: code('unhcrStatus'),
    countryOfOrigin: countryCode().optional(),
    sex: code('sex'),
    ageBand: code('ageBand'),
    dependantsAffected: count(),
    // HMAC-SHA256 of the normalised registration number: lets intake join cases without the number.
    registrationHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'Expected a lowercase hex HMAC-SHA256')
      .optional(),
    name: encryptedValueSchema.optional(),
    dateOfBirth: encryptedValueSchema.optional(),
    registrationNumber: encryptedValueSchema.optional(),
    phone: encryptedValueSchema.optional(),
    notes: notesSchema,
  }),
  // When it happened is the envelope's occurredat (with context.timeBand if approximate).
  'detention-reported': z.strictObject({
    context,
    place: placeSchema,
    authority: code('detentionAuthority'),
    manner: code('detentionManner'),
    statedReason: code('statedReason'),
    witnesses: count().optional(),
    notes: notesSchema,
  }),
  'whereabouts-updated': z.strictObject({
    context,
    // true: authorities acknowledge holding the person; false: no answer yet; 'denied': they deny it.
    captureAcknowledged: z.union([z.boolean(), z.literal('denied')]),
    locationDisclosed: z.boolean(),
    facilityType: code('facilityType'),
    place: placeSchema.optional(),
    notes: notesSchema,
  }),
  'access-status-updated': z.strictObject({
    context,
    family: code('accessLevel'),
    lawyer: code('accessLevel'),
    unhcr: code('accessLevel'),
    ngo: code('accessLevel'),
    lastConfirmedContactAt: isoInstant().optional(),
    notes: notesSchema,
  }),
  'ill-treatment-reported': z.strictObject({
    context,
    kinds: codeSet('illTreatmentKind').min(1),
    visibleInjuries: code('visibleInjuries'),
    medicalAttention: code('medicalAttention'),
    notes: notesSchema,
  }),
  'legal-proceeding-updated': z.strictObject({
    context,
    charges: code('charge').optional(),
    detentionOrder: code('detentionOrder'),
    // Absent: not stated in this report; null: no hearing is scheduled any more.
    hearingAt: isoInstant().nullable().optional(),
    counsel: code('counsel'),
    appealLodged: z.boolean(),
    notes: notesSchema,
  }),
  'removal-threat-reported': z.strictObject({
    context,
    kind: code('removalKind'),
    destinationCountry: countryCode(),
    // Set by intake, which alone may compare with the (sensitive) country of origin.
    destinationIsOriginCountry: z.boolean(),
    stage: code('removalStage'),
    scheduledAt: isoInstant().optional(),
    asylumClaimPending: z.boolean(),
    notes: notesSchema,
  }),
  transferred: z.strictObject({
    context,
    from: placeSchema.optional(),
    to: placeSchema.optional(),
    towardsBorderOrAirport: z.boolean(),
    newLocationKnown: z.boolean(),
    facilityType: code('facilityType').optional(),
    notes: notesSchema,
  }),
  'intervention-logged': z.strictObject({
    context,
    actor: code('interventionActor'),
    type: code('interventionType'),
    response: code('interventionResponse'),
    notes: notesSchema,
  }),
  released: z.strictObject({
    context,
    conditions: codeSet('releaseCondition').min(1),
    confirmedBy: code('sourceRole'),
    notes: notesSchema,
  }),
  removed: z.strictObject({
    context,
    kind: code('removedKind'),
    destinationCountry: countryCode(),
    confirmedBy: code('sourceRole'),
    notes: notesSchema,
  }),
  'contact-lost': z.strictObject({
    hoursWithoutContact: z.number().int().min(1).max(100_000),
    lastConfirmedContactAt: isoInstant().optional(),
  }),
  'case-closed': z.strictObject({
    context,
    reason: code('closeReason'),
    notes: notesSchema,
  }),
  'case-reopened': z.strictObject({
    context,
    reason: code('reopenReason'),
    notes: notesSchema,
  }),
  // The corrected event stops counting; corrected facts, if any, arrive as a new event.
  'record-corrected': z.strictObject({
    context,
    correctsEventId: uuid(),
    fields: z
      .array(
        z
          .string()
          .max(100)
          .regex(/^[a-zA-Z][a-zA-Z0-9]*(\.[a-zA-Z][a-zA-Z0-9]*)*$/, 'Expected a data path'),
      )
      .min(1)
      .max(50),
    reason: code('correctionReason'),
    replacementEventId: uuid().optional(),
  }),
  'record-erased': z.strictObject({
    context,
    personRef: personRef(),
    requestedBy: code('erasureRequester'),
  }),
  'alert-raised': z.strictObject({
    alertId: uuid(),
    dedupKey: z.string().min(1).max(200),
    rule: slug(),
    urgency: code('urgency'),
    previousUrgency: code('urgency').nullable(),
    region: slug(),
    incidentId: uuid().optional(),
  }),
  'notification-sent': z.strictObject({
    alertId: uuid(),
    notificationId: uuid(),
    recipientId: opaqueId(),
    channel: code('notificationChannel'),
    tier: z.number().int().min(0).max(20),
    attempt: z.number().int().min(1).max(100),
  }),
  'notification-delivered': z.strictObject({
    alertId: uuid(),
    notificationId: uuid(),
    recipientId: opaqueId(),
    channel: code('notificationChannel'),
    providerMessageId: z.string().min(1).max(200).optional(),
  }),
  'notification-failed': z.strictObject({
    alertId: uuid(),
    notificationId: uuid(),
    recipientId: opaqueId(),
    channel: code('notificationChannel'),
    attempt: z.number().int().min(1).max(100),
    // '<code>: <message>'. Provider errors can echo the address or the text: producers scrub them first.
    reason: z.string().min(1).max(200),
    willRetry: z.boolean(),
  }),
  'alert-escalated': z
    .strictObject({
      alertId: uuid(),
      fromTier: z.number().int().min(0).max(20),
      toTier: z.number().int().min(0).max(20),
    })
    .refine((data) => data.toTier > data.fromTier, {
      message: 'toTier must be above fromTier',
      path: ['toTier'],
    }),
  'alert-acknowledged': z.strictObject({
    alertId: uuid(),
    by: opaqueId(),
    via: code('ackVia'),
  }),
  'alert-resolved': z.strictObject({
    alertId: uuid(),
    reason: code('resolveReason'),
  }),
} satisfies { [N in EventName]: z.ZodType };

export type EventData<N extends EventName> = z.output<(typeof currentSchemas)[N]>;

/** The current version of each payload; strict, so unknown keys are rejected. */
export const payloadSchemas: { readonly [N in EventName]: z.ZodType<EventData<N>> } =
  currentSchemas;

/**
 * The reported facts as zod objects (not only as validators), so a producer can derive its own
 * request schema from the catalogue (omit what it fills in, such as `context`) instead of
 * restating every field.
 */
export const reportedPayloadObjects: {
  readonly [N in ReportedEventName]: (typeof currentSchemas)[N];
} = currentSchemas;
