import { type CaseEvent, type ReportContext, nameEvent } from '@beacon/events';
import { type CaseFact, type LocationStatus } from './case-state';

// What Date#toISOString() writes; validated instants in this form are already normalised.
const NORMALISED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function instant(iso: string): string {
  return NORMALISED.test(iso) ? iso : new Date(iso).toISOString();
}

function base(event: CaseEvent, context: ReportContext | null) {
  return {
    eventId: event.id,
    occurredAt: instant(event.occurredat),
    recordedAt: instant(event.time),
    incidentId: event.incidentid ?? null,
    personRef: context?.personRef ?? null,
    region: context?.region ?? null,
  };
}

function locationOf(
  captureAcknowledged: boolean | 'denied',
  locationDisclosed: boolean,
): LocationStatus {
  if (captureAcknowledged === 'denied') return 'denied';
  return locationDisclosed ? 'disclosed' : 'unknown';
}

/** The coded gist of a case fact, or null for alerting lifecycle events, which change no case fact. */
export function toFact(event: CaseEvent): CaseFact | null {
  const named = nameEvent(event);
  switch (named.name) {
    case 'report-received':
    case 'person-identified':
    case 'detention-reported':
    case 'ill-treatment-reported':
    case 'intervention-logged':
    case 'released':
    case 'removed':
    case 'case-closed':
    case 'case-reopened':
    case 'record-erased':
      return { ...base(event, named.event.data.context), name: named.name };
    case 'whereabouts-updated': {
      const { data } = named.event;
      return {
        ...base(event, data.context),
        name: named.name,
        location: locationOf(data.captureAcknowledged, data.locationDisclosed),
      };
    }
    case 'access-status-updated': {
      const { data } = named.event;
      return {
        ...base(event, data.context),
        name: named.name,
        family: data.family,
        lawyer: data.lawyer,
        unhcr: data.unhcr,
        ngo: data.ngo,
        lastConfirmedContactAt:
          data.lastConfirmedContactAt === undefined ? null : instant(data.lastConfirmedContactAt),
      };
    }
    case 'legal-proceeding-updated': {
      const { data } = named.event;
      return {
        ...base(event, data.context),
        name: named.name,
        counsel: data.counsel,
        hearingStated: data.hearingAt !== undefined,
        hearingAt:
          data.hearingAt === undefined || data.hearingAt === null ? null : instant(data.hearingAt),
      };
    }
    case 'removal-threat-reported': {
      const { data } = named.event;
      return {
        ...base(event, data.context),
        name: named.name,
        stage: data.stage,
        toOrigin: data.destinationIsOriginCountry,
        scheduledAt: data.scheduledAt === undefined ? null : instant(data.scheduledAt),
      };
    }
    case 'transferred': {
      const { data } = named.event;
      return {
        ...base(event, data.context),
        name: named.name,
        towardsBorder: data.towardsBorderOrAirport,
        locationKnown: data.newLocationKnown,
      };
    }
    case 'contact-lost':
      return {
        ...base(event, null),
        name: named.name,
        hours: named.event.data.hoursWithoutContact,
      };
    case 'record-corrected':
      return {
        ...base(event, named.event.data.context),
        name: named.name,
        corrects: named.event.data.correctsEventId,
      };
    case 'alert-raised':
    case 'notification-sent':
    case 'notification-delivered':
    case 'notification-failed':
    case 'alert-escalated':
    case 'alert-acknowledged':
    case 'alert-resolved':
      return null;
  }
}
