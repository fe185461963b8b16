import {
  type AccessLevel,
  type Counsel,
  type EventName,
  type LifecycleEventName,
  type RemovalStage,
} from '@beacon/events';

export type Custody = 'at-liberty' | 'detained' | 'released' | 'removed';
export type LocationStatus = 'unknown' | 'denied' | 'disclosed';
export type Access = 'incommunicado' | 'partial' | 'full';
export type RemovalRisk = 'none' | 'threatened' | 'ordered' | 'scheduled' | 'executed';

export interface AccessByParty {
  family: AccessLevel;
  lawyer: AccessLevel;
  unhcr: AccessLevel;
  ngo: AccessLevel;
}

/** Events that are facts about the case; alerting lifecycle events are the dispatcher's concern. */
export type FactName = Exclude<EventName, LifecycleEventName>;

interface FactBase {
  eventId: string;
  /** Normalised to `Date#toISOString()` so facts order by string comparison. */
  occurredAt: string;
  recordedAt: string;
  incidentId: string | null;
  personRef: string | null;
  region: string | null;
}

type FactChange =
  | { name: 'report-received' }
  | { name: 'person-identified' }
  | { name: 'detention-reported' }
  | { name: 'whereabouts-updated'; location: LocationStatus }
  | ({ name: 'access-status-updated'; lastConfirmedContactAt: string | null } & AccessByParty)
  | { name: 'ill-treatment-reported' }
  | {
      name: 'legal-proceeding-updated';
      counsel: Counsel;
      hearingStated: boolean;
      hearingAt: string | null;
    }
  | {
      name: 'removal-threat-reported';
      stage: RemovalStage;
      toOrigin: boolean;
      scheduledAt: string | null;
    }
  | { name: 'transferred'; towardsBorder: boolean; locationKnown: boolean }
  | { name: 'intervention-logged' }
  | { name: 'released' }
  | { name: 'removed' }
  | { name: 'contact-lost'; hours: number }
  | { name: 'case-closed' }
  | { name: 'case-reopened' }
  | { name: 'record-corrected'; corrects: string }
  | { name: 'record-erased' };

/** The coded gist of one applied event: no free text, no personal data beyond the pseudonymous reference. */
export type CaseFact = FactBase & FactChange;

export interface CaseState {
  caseId: string;
  incidentId: string | null;
  personRef: string | null;
  region: string | null;
  custody: Custody;
  /** When the current detention began; null unless detained. */
  detainedSince: string | null;
  locationStatus: LocationStatus;
  access: Access;
  accessByParty: AccessByParty;
  lastConfirmedContactAt: string | null;
  removalRisk: RemovalRisk;
  removalStage: RemovalStage | null;
  removalToOrigin: boolean;
  removalScheduledAt: string | null;
  transferTowardsBorder: boolean;
  /** Hours without news Beacon last raised, while no newer fact has arrived. */
  contactLostHours: number | null;
  closed: boolean;
  /** The person asked to be erased: their sealed fields are unreadable from now on. */
  erased: boolean;
  openedAt: string | null;
  lastOccurredAt: string | null;
  lastIllTreatmentAt: string | null;
  nextHearingAt: string | null;
  counsel: Counsel | null;
  /**
   * Every applied fact, ordered by (occurredAt, eventId). Derived fields are recomputed from them,
   * so arrival order never matters, a repeated event is recognised by its id, and a correction can
   * withdraw a fact that already counted.
   */
  facts: readonly CaseFact[];
}

const NO_ACCESS_INFORMATION: AccessByParty = {
  family: 'unknown',
  lawyer: 'unknown',
  unhcr: 'unknown',
  ngo: 'unknown',
};

export function initialCaseState(caseId: string): CaseState {
  return {
    caseId,
    incidentId: null,
    personRef: null,
    region: null,
    custody: 'at-liberty',
    detainedSince: null,
    locationStatus: 'unknown',
    access: 'full',
    accessByParty: NO_ACCESS_INFORMATION,
    lastConfirmedContactAt: null,
    removalRisk: 'none',
    removalStage: null,
    removalToOrigin: false,
    removalScheduledAt: null,
    transferTowardsBorder: false,
    contactLostHours: null,
    closed: false,
    erased: false,
    openedAt: null,
    lastOccurredAt: null,
    lastIllTreatmentAt: null,
    nextHearingAt: null,
    counsel: null,
    facts: [],
  };
}

/**
 * DOMAIN.md: critical if lawyer and UNHCR are both denied, high if one is. Incommunicado is that
 * and no family contact either; with family contact it is partial, yet still critical (see urgency).
 */
export function accessOf(parties: AccessByParty): Access {
  const { family, lawyer, unhcr, ngo } = parties;
  if (lawyer === 'denied' && unhcr === 'denied' && family !== 'permitted') return 'incommunicado';
  return [family, lawyer, unhcr, ngo].includes('denied') ? 'partial' : 'full';
}
