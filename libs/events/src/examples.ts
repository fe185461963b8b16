import { type CaseEvent } from './case-event';
import { type EncryptedValue, type ReportContext } from './common-schemas';
import { type EventName } from './event-names';
import { eventTypeOf } from './event-type';
import { type EventData } from './payload-schemas';

// One case from the Almaty night raid (fictional data): taken at local midnight (18:00 UTC).
const CASE_ID = '5f0c2a7e-8d41-4b6a-9c3e-1a2b3c4d5e6f';
const INCIDENT_ID = '9a1d3e5f-7b2c-4d8e-a6f0-2c4e6a8b0d1f';
const ALERT_ID = 'd2b4f6a8-0c1e-4f3a-b5d7-e9f1a3c5e7b9';
const NOTIFICATION_ID = '3c5e7a9b-1d2f-4a4c-8e6a-0b2d4f6a8c0e';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

const context: ReportContext = {
  personRef: 'p_Xq7Lm2Vt9KcR4wZs',
  reportedAt: '2009-03-11T18:40:00Z',
  sourceRole: 'family',
  reliability: 'credible',
  channel: 'call',
  language: 'ru',
  recordedBy: 'op-almaty-07',
  region: 'almaty',
  timeBand: 'night',
};

const sealed = (kid: string, ct: string): EncryptedValue => ({
  alg: 'A256GCM',
  kid,
  iv: 'q1w2e3r4t5y6u7i8',
  ct,
  tag: 'Zm9vYmFyYmF6cXV4MTIzND',
});
const PERSON_KEY = 'person-key:p_Xq7Lm2Vt9KcR4wZs:1';

interface Envelope {
  id: string;
  occurredat: string;
  time: string;
  source?: string;
}

function example<N extends EventName>(
  name: N,
  envelope: Envelope,
  data: EventData<N>,
): CaseEvent<N> {
  return {
    specversion: '1.0',
    id: envelope.id,
    type: eventTypeOf(name),
    source: envelope.source ?? '/beacon/intake-api',
    subject: CASE_ID,
    time: envelope.time,
    datacontenttype: 'application/json',
    occurredat: envelope.occurredat,
    incidentid: INCIDENT_ID,
    traceparent: TRACEPARENT,
    data,
  };
}

const DISPATCHER = '/beacon/alert-dispatcher';

/** One realistic, valid event of each type: fixtures for tests, documentation and contract checks. */
export const EXAMPLES: { readonly [N in EventName]: CaseEvent<N> } = {
  'report-received': example(
    'report-received',
    {
      id: '0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b',
      occurredat: '2009-03-11T18:40:00Z',
      time: '2009-03-11T18:41:12Z',
    },
    {
      context,
      callerRelation: 'spouse-or-partner',
      callbackSafe: true,
      callbackWindow: 'morning',
      privacyNoticeGiven: true,
      legalBasis: 'vital-interest',
      peopleConcerned: 5,
      notes: sealed(PERSON_KEY, 'c2VjcmV0LW5vdGVzLWFib3V0LXRoZS1jYWxs'),
    },
  ),
  'person-identified': example(
    'person-identified',
    {
      id: '1f2a3b4c-5d6e-4f7a-9b8c-0d1e2f3a4b5c',
      occurredat: '2009-03-11T18:45:00Z',
      time: '2009-03-11T18:46:03Z',
    },
    {
      context,
      unhcrStatus: 'asylum-seeker',
      countryOfOrigin: 'UZ',
      sex: 'male',
      ageBand: '18-59',
      dependantsAffected: 3,
      registrationHash: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      name: sealed(PERSON_KEY, 'bmFtZS1jaXBoZXJ0ZXh0'),
      dateOfBirth: sealed(PERSON_KEY, 'ZG9iLWNpcGhlcnRleHQ'),
      registrationNumber: sealed(PERSON_KEY, 'cmVnLWNpcGhlcnRleHQ'),
      phone: sealed(PERSON_KEY, 'cGhvbmUtY2lwaGVydGV4dA'),
    },
  ),
  'detention-reported': example(
    'detention-reported',
    {
      id: '2a3b4c5d-6e7f-4a8b-8c9d-1e2f3a4b5c6d',
      occurredat: '2009-03-11T18:00:00Z',
      time: '2009-03-11T18:41:40Z',
    },
    {
      context,
      place: { region: 'almaty', district: 'alatau' },
      authority: 'unidentified-armed-men',
      manner: 'home-raid',
      statedReason: 'none-given',
      witnesses: 3,
      notes: sealed(PERSON_KEY, 'bWFza2VkLW1lbi1jYW1lLWF0LW1pZG5pZ2h0'),
    },
  ),
  'whereabouts-updated': example(
    'whereabouts-updated',
    {
      id: '3b4c5d6e-7f8a-4b9c-9d0e-2f3a4b5c6d7e',
      occurredat: '2009-03-11T21:30:00Z',
      time: '2009-03-11T21:34:10Z',
    },
    {
      context: {
        ...context,
        reportedAt: '2009-03-11T21:33:00Z',
        sourceRole: 'lawyer',
        channel: 'messenger',
      },
      captureAcknowledged: 'denied',
      locationDisclosed: false,
      facilityType: 'unknown',
    },
  ),
  'access-status-updated': example(
    'access-status-updated',
    {
      id: '4c5d6e7f-8a9b-4c0d-8e1f-3a4b5c6d7e8f',
      occurredat: '2009-03-11T22:00:00Z',
      time: '2009-03-11T22:05:00Z',
    },
    {
      context: {
        ...context,
        reportedAt: '2009-03-11T22:04:00Z',
        sourceRole: 'lawyer',
        reliability: 'confirmed',
      },
      family: 'denied',
      lawyer: 'denied',
      unhcr: 'denied',
      ngo: 'unknown',
      lastConfirmedContactAt: '2009-03-11T17:30:00Z',
    },
  ),
  'ill-treatment-reported': example(
    'ill-treatment-reported',
    {
      id: '5d6e7f8a-9b0c-4d1e-9f2a-4b5c6d7e8f9a',
      occurredat: '2009-03-11T20:00:00Z',
      time: '2009-03-12T03:15:00Z',
    },
    {
      context: {
        ...context,
        reportedAt: '2009-03-12T03:14:00Z',
        sourceRole: 'person',
        reliability: 'confirmed',
      },
      kinds: ['beating', 'threats'],
      visibleInjuries: 'yes',
      medicalAttention: 'not-sought',
      notes: sealed(PERSON_KEY, 'YmVhdGVuLWR1cmluZy1xdWVzdGlvbmluZw'),
    },
  ),
  'legal-proceeding-updated': example(
    'legal-proceeding-updated',
    {
      id: '6e7f8a9b-0c1d-4e2f-8a3b-5c6d7e8f9a0b',
      occurredat: '2009-03-11T23:00:00Z',
      time: '2009-03-11T23:10:00Z',
    },
    {
      context: { ...context, reportedAt: '2009-03-11T23:09:00Z', sourceRole: 'lawyer' },
      charges: 'illegal-stay',
      detentionOrder: 'administrative',
      hearingAt: '2009-03-13T04:00:00Z',
      counsel: 'state-appointed',
      appealLodged: false,
    },
  ),
  'removal-threat-reported': example(
    'removal-threat-reported',
    {
      id: '7f8a9b0c-1d2e-4f3a-9b4c-6d7e8f9a0b1c',
      occurredat: '2009-03-11T20:30:00Z',
      time: '2009-03-12T03:16:00Z',
    },
    {
      context: {
        ...context,
        reportedAt: '2009-03-12T03:14:00Z',
        sourceRole: 'person',
        reliability: 'confirmed',
      },
      kind: 'deportation',
      destinationCountry: 'UZ',
      destinationIsOriginCountry: true,
      stage: 'verbal-threat',
      asylumClaimPending: true,
    },
  ),
  transferred: example(
    'transferred',
    {
      id: '8a9b0c1d-2e3f-4a4b-8c5d-7e8f9a0b1c2d',
      occurredat: '2009-03-11T22:30:00Z',
      time: '2009-03-11T22:50:00Z',
    },
    {
      context: {
        ...context,
        reportedAt: '2009-03-11T22:49:00Z',
        sourceRole: 'community',
        reliability: 'unverified',
      },
      from: { region: 'almaty', district: 'alatau' },
      to: { region: 'almaty', district: 'medeu' },
      towardsBorderOrAirport: false,
      newLocationKnown: true,
      facilityType: 'security-service-facility',
    },
  ),
  'intervention-logged': example(
    'intervention-logged',
    {
      id: '9b0c1d2e-3f4a-4b5c-9d6e-8f9a0b1c2d3e',
      occurredat: '2009-03-11T18:55:00Z',
      time: '2009-03-11T18:56:30Z',
    },
    {
      context: {
        ...context,
        reportedAt: '2009-03-11T18:56:00Z',
        sourceRole: 'unhcr',
        reliability: 'confirmed',
      },
      actor: 'unhcr',
      type: 'demand-for-information',
      response: 'event-denied',
    },
  ),
  released: example(
    'released',
    {
      id: 'a0c1d2e3-4f5a-4c6d-8e7f-9a0b1c2d3e4f',
      occurredat: '2009-03-12T02:30:00Z',
      time: '2009-03-12T03:10:00Z',
    },
    {
      context: { ...context, reportedAt: '2009-03-12T03:09:00Z', reliability: 'confirmed' },
      conditions: ['unconditional'],
      confirmedBy: 'family',
    },
  ),
  removed: example(
    'removed',
    {
      id: 'b1d2e3f4-5a6b-4d7e-9f8a-0b1c2d3e4f5a',
      occurredat: '2009-03-14T05:00:00Z',
      time: '2009-03-14T09:30:00Z',
    },
    {
      context: {
        ...context,
        reportedAt: '2009-03-14T09:29:00Z',
        sourceRole: 'ngo',
        reliability: 'credible',
      },
      kind: 'deported',
      destinationCountry: 'UZ',
      confirmedBy: 'ngo',
    },
  ),
  'contact-lost': example(
    'contact-lost',
    {
      id: 'c2e3f4a5-6b7c-4e8f-8a9b-1c2d3e4f5a6b',
      occurredat: '2009-03-12T05:30:00Z',
      time: '2009-03-12T05:30:01Z',
      source: DISPATCHER,
    },
    { hoursWithoutContact: 12, lastConfirmedContactAt: '2009-03-11T17:30:00Z' },
  ),
  'case-closed': example(
    'case-closed',
    {
      id: 'd3f4a5b6-7c8d-4f9a-9b0c-2d3e4f5a6b7c',
      occurredat: '2009-03-20T08:00:00Z',
      time: '2009-03-20T08:02:00Z',
    },
    {
      context: {
        ...context,
        reportedAt: '2009-03-20T08:01:00Z',
        sourceRole: 'ngo',
        recordedBy: 'officer-almaty-02',
      },
      reason: 'released-and-safe',
    },
  ),
  'case-reopened': example(
    'case-reopened',
    {
      id: 'e4a5b6c7-8d9e-4a0b-8c1d-3e4f5a6b7c8d',
      occurredat: '2009-04-02T19:00:00Z',
      time: '2009-04-02T19:20:00Z',
    },
    {
      context: { ...context, reportedAt: '2009-04-02T19:19:00Z' },
      reason: 're-detained',
    },
  ),
  'record-corrected': example(
    'record-corrected',
    {
      id: 'f5b6c7d8-9e0f-4b1c-9d2e-4f5a6b7c8d9e',
      occurredat: '2009-03-12T09:00:00Z',
      time: '2009-03-12T09:01:00Z',
    },
    {
      context: {
        ...context,
        reportedAt: '2009-03-12T09:00:00Z',
        sourceRole: 'ngo',
        recordedBy: 'officer-almaty-02',
      },
      correctsEventId: '8a9b0c1d-2e3f-4a4b-8c5d-7e8f9a0b1c2d',
      fields: ['to.district'],
      reason: 'source-retracted',
    },
  ),
  'record-erased': example(
    'record-erased',
    {
      id: '0a6c7d8e-9f0a-4c1d-8e2f-5a6b7c8d9e0f',
      occurredat: '2009-06-01T10:00:00Z',
      time: '2009-06-01T10:00:05Z',
    },
    {
      context: {
        ...context,
        reportedAt: '2009-06-01T10:00:00Z',
        sourceRole: 'person',
        channel: 'walk-in',
      },
      personRef: 'p_Xq7Lm2Vt9KcR4wZs',
      requestedBy: 'person',
    },
  ),
  'alert-raised': example(
    'alert-raised',
    {
      id: '1b7d8e9f-0a1b-4d2e-9f3a-6b7c8d9e0f1a',
      occurredat: '2009-03-11T18:41:41Z',
      time: '2009-03-11T18:41:42Z',
      source: DISPATCHER,
    },
    {
      alertId: ALERT_ID,
      dedupKey: `incident:${INCIDENT_ID}:critical`,
      rule: 'detained-location-undisclosed',
      urgency: 'critical',
      previousUrgency: null,
      region: 'almaty',
      incidentId: INCIDENT_ID,
    },
  ),
  'notification-sent': example(
    'notification-sent',
    {
      id: '2c8e9f0a-1b2c-4e3f-8a4b-7c8d9e0f1a2b',
      occurredat: '2009-03-11T18:41:45Z',
      time: '2009-03-11T18:41:45Z',
      source: DISPATCHER,
    },
    {
      alertId: ALERT_ID,
      notificationId: NOTIFICATION_ID,
      recipientId: 'usr_officer_almaty_02',
      channel: 'sms',
      tier: 0,
      attempt: 1,
    },
  ),
  'notification-delivered': example(
    'notification-delivered',
    {
      id: '3d9f0a1b-2c3d-4f4a-9b5c-8d9e0f1a2b3c',
      occurredat: '2009-03-11T18:41:52Z',
      time: '2009-03-11T18:41:53Z',
      source: DISPATCHER,
    },
    {
      alertId: ALERT_ID,
      notificationId: NOTIFICATION_ID,
      recipientId: 'usr_officer_almaty_02',
      channel: 'sms',
      providerMessageId: 'kannel-7f3a9c2e',
    },
  ),
  'notification-failed': example(
    'notification-failed',
    {
      id: '4e0a1b2c-3d4e-4a5b-8c6d-9e0f1a2b3c4d',
      occurredat: '2009-03-11T18:41:50Z',
      time: '2009-03-11T18:41:50Z',
      source: DISPATCHER,
    },
    {
      alertId: ALERT_ID,
      notificationId: '5f1b2c3d-4e5f-4b6c-9d7e-0f1a2b3c4d5e',
      recipientId: 'usr_legal_partner_almaty',
      channel: 'email',
      attempt: 1,
      reason: 'smtp-451: mailbox temporarily unavailable',
      willRetry: true,
    },
  ),
  'alert-escalated': example(
    'alert-escalated',
    {
      id: '6a2c3d4e-5f6a-4c7d-8e8f-1a2b3c4d5e6f',
      occurredat: '2009-03-11T18:56:42Z',
      time: '2009-03-11T18:56:42Z',
      source: DISPATCHER,
    },
    { alertId: ALERT_ID, fromTier: 0, toTier: 1 },
  ),
  'alert-acknowledged': example(
    'alert-acknowledged',
    {
      id: '7b3d4e5f-6a7b-4d8e-9f9a-2b3c4d5e6f7a',
      occurredat: '2009-03-11T18:58:10Z',
      time: '2009-03-11T18:58:11Z',
      source: DISPATCHER,
    },
    { alertId: ALERT_ID, by: 'usr_officer_almaty_02', via: 'sms' },
  ),
  'alert-resolved': example(
    'alert-resolved',
    {
      id: '8c4e5f6a-7b8c-4e9f-8a0b-3c4d5e6f7a8b',
      occurredat: '2009-03-20T08:02:01Z',
      time: '2009-03-20T08:02:02Z',
      source: DISPATCHER,
    },
    { alertId: ALERT_ID, reason: 'case-closed' },
  ),
};
