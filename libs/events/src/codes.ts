// Controlled vocabularies, after the HURIDOCS Events Standard Formats where one exists.
// Codes are stable identifiers: add new ones, never rename or reuse one (old events keep them).
export const CODES = {
  sourceRole: ['person', 'family', 'lawyer', 'community', 'ngo', 'unhcr'],
  reliability: ['confirmed', 'credible', 'unverified'],
  intakeChannel: ['call', 'sms', 'messenger', 'walk-in', 'partner-api'],
  language: ['en', 'ru', 'kk', 'uz', 'ky'],
  timeBand: ['night', 'morning', 'afternoon', 'evening'],
  callerRelation: [
    'self',
    'spouse-or-partner',
    'parent',
    'child',
    'sibling',
    'other-relative',
    'friend-or-neighbour',
    'lawyer',
    'community-leader',
    'ngo-worker',
    'unhcr-staff',
    'other',
  ],
  // ICRC Handbook on Data Protection in Humanitarian Action, legal bases for processing.
  legalBasis: ['vital-interest', 'consent', 'public-interest', 'legitimate-interest'],
  unhcrStatus: ['refugee', 'asylum-seeker', 'registered', 'unregistered'],
  sex: ['female', 'male', 'other', 'unknown'],
  // UNHCR's standard age breakdown.
  ageBand: ['0-4', '5-11', '12-17', '18-59', '60-plus', 'unknown'],
  detentionAuthority: [
    'police',
    'security-service',
    'migration-service',
    'unidentified-armed-men',
    'other',
  ],
  detentionManner: ['home-raid', 'street', 'summons', 'other'],
  statedReason: [
    'none-given',
    'identity-check',
    'immigration-violation',
    'extradition-request',
    'criminal-charge',
    'extremism-or-terrorism',
    'religious-activity',
    'other',
    'unknown',
  ],
  facilityType: [
    'police-station',
    'temporary-holding',
    'pre-trial-detention',
    'migration-centre',
    'security-service-facility',
    'prison',
    'psychiatric-facility',
    'unofficial-place',
    'unknown',
  ],
  accessLevel: ['permitted', 'denied', 'unknown'],
  illTreatmentKind: [
    'beating',
    'threats',
    'coercion-to-sign',
    'denial-of-medicine-or-care',
    'sexual-violence',
    'other',
  ],
  visibleInjuries: ['yes', 'no', 'unknown'],
  medicalAttention: ['provided', 'denied', 'not-sought', 'unknown'],
  charge: [
    'illegal-stay',
    'illegal-border-crossing',
    'document-offence',
    'extremism-or-terrorism',
    'religious-activity',
    'ordinary-criminal',
    'other',
  ],
  detentionOrder: ['none', 'administrative', 'court-ordered', 'extended', 'unknown'],
  counsel: ['none', 'state-appointed', 'ngo'],
  removalKind: [
    'deportation',
    'expulsion',
    'extradition-request',
    'pressure-to-return',
    'informal-hand-over',
  ],
  removalStage: ['verbal-threat', 'order-issued', 'court-approved', 'scheduled', 'moved-to-border'],
  interventionActor: ['officer', 'legal-partner', 'unhcr', 'embassy', 'un-mechanism'],
  interventionType: [
    'legal-aid',
    'demand-for-information',
    'appeal-to-authorities',
    'protest-note',
    'un-urgent-appeal',
  ],
  interventionResponse: ['none', 'event-denied', 'assistance-given'],
  releaseCondition: ['unconditional', 'charges-dropped', 'bail', 'reporting-duty', 'travel-ban'],
  removedKind: ['deported', 'expelled', 'extradited', 'handed-over'],
  closeReason: [
    'released-and-safe',
    'resettled',
    'removed-follow-up-done',
    'duplicate',
    'referred',
    'person-request',
    'no-further-contact',
    'other',
  ],
  reopenReason: ['new-information', 're-detained', 'removal-threat', 'closed-in-error', 'other'],
  correctionReason: [
    'data-entry-error',
    'source-retracted',
    'wrong-case',
    'duplicate-report',
    'other',
  ],
  erasureRequester: ['person', 'family', 'lawyer', 'data-protection-officer'],
  urgency: ['routine', 'high', 'critical'],
  notificationChannel: ['email', 'sms', 'webhook'],
  ackVia: ['email-link', 'sms', 'console', 'api'],
  resolveReason: ['case-closed', 'released', 'urgency-dropped', 'duplicate', 'manual'],
} as const;

export type Codes = typeof CODES;
export type CodeList = keyof Codes;
export type Code<K extends CodeList> = Codes[K][number];

export type Urgency = Code<'urgency'>;
export type Channel = Code<'notificationChannel'>;
export type SourceRole = Code<'sourceRole'>;
export type Reliability = Code<'reliability'>;
export type IntakeChannel = Code<'intakeChannel'>;
export type Language = Code<'language'>;
export type TimeBand = Code<'timeBand'>;
export type AccessLevel = Code<'accessLevel'>;
export type Counsel = Code<'counsel'>;
export type RemovalStage = Code<'removalStage'>;
export type DetentionAuthority = Code<'detentionAuthority'>;
export type DetentionManner = Code<'detentionManner'>;
