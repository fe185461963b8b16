import { type CaseEvent, type EventName, type EventType, type NamedEvent, nameEvent } from '@beacon/events';

export interface TimelineEntry {
  eventId: string;
  type: EventType;
  name: EventName;
  occurredAt: string;
  recordedAt: string;
  /** Codes only: no free text, no place below the region, no country, nothing sealed. */
  summary: string;
}

type Value = string | number | boolean | readonly string[] | null | undefined;

function codes(fields: Record<string, Value>): string {
  // A plain loop: every projected event passes through here.
  let out = '';
  for (const key in fields) {
    const value = fields[key];
    if (value === undefined) continue;
    const text =
      typeof value === 'boolean' ? (value ? 'yes' : 'no') : Array.isArray(value) ? value.join(',') : value === null ? 'none' : String(value);
    out += out === '' ? `${key}=${text}` : ` ${key}=${text}`;
  }
  return out;
}

function errorCode(reason: string): string {
  const code = reason.split(':')[0]?.trim() ?? '';
  return /^[A-Za-z0-9_.-]{1,40}$/.test(code) ? code : 'unspecified';
}

function details(named: NamedEvent): string {
  switch (named.name) {
    case 'report-received': {
      const { data } = named.event;
      return codes({
        caller: data.callerRelation,
        people: data.peopleConcerned,
        'callback-safe': data.callbackSafe,
      });
    }
    case 'person-identified': {
      // Country of origin is left out: nationality is sensitive and the timeline is widely read.
      const { data } = named.event;
      return codes({
        status: data.unhcrStatus,
        sex: data.sex,
        age: data.ageBand,
        dependants: data.dependantsAffected,
      });
    }
    case 'detention-reported': {
      const { data } = named.event;
      return codes({
        authority: data.authority,
        manner: data.manner,
        reason: data.statedReason,
        witnesses: data.witnesses,
        region: data.place.region,
      });
    }
    case 'whereabouts-updated': {
      const { data } = named.event;
      return codes({
        capture:
          data.captureAcknowledged === 'denied'
            ? 'denied'
            : data.captureAcknowledged
              ? 'acknowledged'
              : 'unacknowledged',
        location: data.locationDisclosed ? 'disclosed' : 'undisclosed',
        facility: data.facilityType,
      });
    }
    case 'access-status-updated': {
      const { data } = named.event;
      return codes({ family: data.family, lawyer: data.lawyer, unhcr: data.unhcr, ngo: data.ngo });
    }
    case 'ill-treatment-reported': {
      const { data } = named.event;
      return codes({
        kinds: data.kinds,
        injuries: data.visibleInjuries,
        medical: data.medicalAttention,
      });
    }
    case 'legal-proceeding-updated': {
      const { data } = named.event;
      return codes({
        order: data.detentionOrder,
        charges: data.charges,
        hearing: data.hearingAt,
        counsel: data.counsel,
        appeal: data.appealLodged,
      });
    }
    case 'removal-threat-reported': {
      // The destination country is left out for the same reason as the country of origin.
      const { data } = named.event;
      return codes({
        kind: data.kind,
        stage: data.stage,
        'to-origin': data.destinationIsOriginCountry,
        scheduled: data.scheduledAt,
        'asylum-claim-pending': data.asylumClaimPending,
      });
    }
    case 'transferred': {
      const { data } = named.event;
      return codes({
        'towards-border': data.towardsBorderOrAirport,
        'location-known': data.newLocationKnown,
        facility: data.facilityType,
      });
    }
    case 'intervention-logged': {
      const { data } = named.event;
      return codes({ actor: data.actor, type: data.type, response: data.response });
    }
    case 'released': {
      const { data } = named.event;
      return codes({ conditions: data.conditions, 'confirmed-by': data.confirmedBy });
    }
    case 'removed': {
      const { data } = named.event;
      return codes({ kind: data.kind, 'confirmed-by': data.confirmedBy });
    }
    case 'contact-lost':
      return codes({ hours: named.event.data.hoursWithoutContact });
    case 'case-closed':
    case 'case-reopened':
      return codes({ reason: named.event.data.reason });
    case 'record-corrected': {
      const { data } = named.event;
      return codes({ corrects: data.correctsEventId, fields: data.fields, reason: data.reason });
    }
    case 'record-erased':
      return codes({ 'requested-by': named.event.data.requestedBy });
    case 'alert-raised': {
      const { data } = named.event;
      return codes({
        alert: data.alertId,
        urgency: data.urgency,
        previous: data.previousUrgency,
        rule: data.rule,
      });
    }
    case 'notification-sent': {
      const { data } = named.event;
      return codes({
        alert: data.alertId,
        recipient: data.recipientId,
        channel: data.channel,
        tier: data.tier,
        attempt: data.attempt,
      });
    }
    case 'notification-delivered': {
      const { data } = named.event;
      return codes({ alert: data.alertId, recipient: data.recipientId, channel: data.channel });
    }
    case 'notification-failed': {
      // Only the code before the colon: the provider's message may still echo an address.
      const { data } = named.event;
      return codes({
        alert: data.alertId,
        recipient: data.recipientId,
        channel: data.channel,
        attempt: data.attempt,
        error: errorCode(data.reason),
        retry: data.willRetry,
      });
    }
    case 'alert-escalated': {
      const { data } = named.event;
      return codes({ alert: data.alertId, from: data.fromTier, to: data.toTier });
    }
    case 'alert-acknowledged': {
      const { data } = named.event;
      return codes({ alert: data.alertId, by: data.by, via: data.via });
    }
    case 'alert-resolved': {
      const { data } = named.event;
      return codes({ alert: data.alertId, reason: data.reason });
    }
  }
}

/** One line of the case's accountability record. */
export function timelineEntry(event: CaseEvent): TimelineEntry {
  const named = nameEvent(event);
  const { name } = named;
  const summary = details(named);
  return {
    eventId: event.id,
    type: event.type,
    name,
    occurredAt: event.occurredat,
    recordedAt: event.time,
    summary: summary === '' ? name : `${name}: ${summary}`,
  };
}
