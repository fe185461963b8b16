import { type CaseEvent } from '@beacon/events';
import { toFact } from './case-facts';
import {
  type AccessByParty,
  type CaseFact,
  type CaseState,
  accessOf,
  initialCaseState,
} from './case-state';

function byOccurrence(a: CaseFact, b: CaseFact): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? -1 : 1;
  if (a.eventId === b.eventId) return 0;
  return a.eventId < b.eventId ? -1 : 1;
}

function insert(facts: readonly CaseFact[], fact: CaseFact): CaseFact[] {
  const at = facts.findIndex((existing) => byOccurrence(fact, existing) < 0);
  return at === -1 ? [...facts, fact] : [...facts.slice(0, at), fact, ...facts.slice(at)];
}

/**
 * Applies one event. Pure; idempotent by event id; order-independent because every derived field is
 * recomputed from the facts in (occurredAt, eventId) order, so each one is last-writer-wins by that key.
 */
export function evolve(state: CaseState, event: CaseEvent): CaseState {
  // Another case's event is not a fact about this one.
  if (event.subject !== state.caseId) return state;
  if (state.facts.some((fact) => fact.eventId === event.id)) return state;
  const fact = toFact(event);
  if (fact === null) return state;
  return derive(state.caseId, insert(state.facts, fact));
}

export function foldCase(caseId: string, events: readonly CaseEvent[]): CaseState {
  return events.reduce(evolve, initialCaseState(caseId));
}

/**
 * Applies several events at once: the same state as applying them one by one, deriving only once
 * (a projection applies whole batches; one at a time re-derives every fact for every event).
 */
export function evolveAll(state: CaseState, events: readonly CaseEvent[]): CaseState {
  const seen = new Set(state.facts.map((fact) => fact.eventId));
  const added: CaseFact[] = [];
  const shared: SharedStrings = { incidentId: state.incidentId, personRef: state.personRef, region: state.region };
  for (const event of events) {
    if (event.subject !== state.caseId || seen.has(event.id)) continue;
    seen.add(event.id);
    const fact = toFact(event);
    if (fact !== null) added.push(sharingStrings(fact, shared));
  }
  if (added.length === 0) return state;
  return derive(state.caseId, [...state.facts, ...added].sort(byOccurrence));
}

type SharedStrings = Pick<CaseFact, 'incidentId' | 'personRef' | 'region'>;

/**
 * The fact with the incident, person and region strings of the case's other facts, where equal:
 * every event carries its own copies, and a projection keeps many folded cases in memory.
 */
function sharingStrings(fact: CaseFact, shared: SharedStrings): CaseFact {
  if (fact.incidentId !== null) {
    if (fact.incidentId === shared.incidentId) fact.incidentId = shared.incidentId;
    else shared.incidentId = fact.incidentId;
  }
  if (fact.personRef !== null) {
    if (fact.personRef === shared.personRef) fact.personRef = shared.personRef;
    else shared.personRef = fact.personRef;
  }
  if (fact.region !== null) {
    if (fact.region === shared.region) fact.region = shared.region;
    else shared.region = fact.region;
  }
  return fact;
}

/** The state the given facts (in any order) derive; how a stored state is restored. */
export function stateFromFacts(caseId: string, facts: readonly CaseFact[]): CaseState {
  return derive(caseId, [...facts].sort(byOccurrence));
}

const UNKNOWN_ACCESS: AccessByParty = {
  family: 'unknown',
  lawyer: 'unknown',
  unhcr: 'unknown',
  ngo: 'unknown',
};

function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

/**
 * Facts that are news of the person: each one clears a contact-lost Beacon raised and restarts its
 * clock. Beacon's own contact-lost, an officer's intervention and the case's paperwork say nothing
 * of the person.
 */
export const NEWS_FACTS: ReadonlySet<CaseFact['name']> = new Set<CaseFact['name']>([
  'detention-reported',
  'whereabouts-updated',
  'access-status-updated',
  'ill-treatment-reported',
  'legal-proceeding-updated',
  'removal-threat-reported',
  'transferred',
  'released',
  'removed',
]);

/**
 * The facts a correction withdraws, whenever either arrives. Correcting a correction withdraws
 * nothing: the way to undo one is to report the fact again.
 */
export function withdrawnFacts(facts: readonly CaseFact[]): Set<string> {
  const withdrawn = new Set<string>();
  for (const fact of facts) if (fact.name === 'record-corrected') withdrawn.add(fact.corrects);
  return withdrawn;
}

function derive(caseId: string, facts: CaseFact[]): CaseState {
  const withdrawn = withdrawnFacts(facts);
  const state: CaseState = { ...initialCaseState(caseId), facts };
  let parties = UNKNOWN_ACCESS;

  const beginDetention = (at: string) => {
    if (state.custody === 'detained') return;
    // A new detention starts from nothing known: what held for an earlier one says nothing now.
    state.custody = 'detained';
    state.detainedSince = at;
    state.locationStatus = 'unknown';
    state.transferTowardsBorder = false;
    parties = UNKNOWN_ACCESS;
  };
  const endDetention = () => {
    state.detainedSince = null;
    state.transferTowardsBorder = false;
  };

  for (const fact of facts) {
    state.openedAt =
      state.openedAt === null || fact.recordedAt < state.openedAt
        ? fact.recordedAt
        : state.openedAt;
    if (withdrawn.has(fact.eventId) && fact.name !== 'record-corrected') continue;

    state.lastOccurredAt = fact.occurredAt;
    state.personRef = fact.personRef ?? state.personRef;
    state.region = fact.region ?? state.region;
    state.incidentId = fact.incidentId ?? state.incidentId;

    if (NEWS_FACTS.has(fact.name)) state.contactLostHours = null;
    switch (fact.name) {
      case 'report-received':
      case 'person-identified':
      case 'intervention-logged':
      case 'record-corrected':
        break;
      case 'detention-reported':
        beginDetention(fact.occurredAt);
        break;
      case 'whereabouts-updated':
        state.locationStatus = fact.location;
        break;
      case 'access-status-updated': {
        // 'unknown' is no news: it does not undo a party's known status.
        const known = (
          level: AccessByParty[keyof AccessByParty],
          previous: AccessByParty[keyof AccessByParty],
        ) => (level === 'unknown' ? previous : level);
        parties = {
          family: known(fact.family, parties.family),
          lawyer: known(fact.lawyer, parties.lawyer),
          unhcr: known(fact.unhcr, parties.unhcr),
          ngo: known(fact.ngo, parties.ngo),
        };
        state.lastConfirmedContactAt = later(
          state.lastConfirmedContactAt,
          fact.lastConfirmedContactAt,
        );
        break;
      }
      case 'ill-treatment-reported':
        state.lastIllTreatmentAt = fact.occurredAt;
        break;
      case 'legal-proceeding-updated':
        state.counsel = fact.counsel;
        if (fact.hearingStated) state.nextHearingAt = fact.hearingAt;
        break;
      case 'removal-threat-reported':
        state.removalStage = fact.stage;
        state.removalToOrigin = fact.toOrigin;
        state.removalScheduledAt = fact.scheduledAt;
        state.removalRisk =
          fact.stage === 'verbal-threat'
            ? 'threatened'
            : fact.stage === 'order-issued' || fact.stage === 'court-approved'
              ? 'ordered'
              : 'scheduled';
        break;
      case 'transferred':
        beginDetention(fact.occurredAt);
        state.locationStatus = fact.locationKnown ? 'disclosed' : 'unknown';
        state.transferTowardsBorder = fact.towardsBorder;
        break;
      case 'released':
        state.custody = 'released';
        endDetention();
        // A threat made in custody lapses with the release; an order outlives it.
        if (state.removalRisk === 'threatened') {
          state.removalRisk = 'none';
          state.removalStage = null;
          state.removalToOrigin = false;
        }
        break;
      case 'removed':
        state.custody = 'removed';
        endDetention();
        state.removalRisk = 'executed';
        state.removalScheduledAt = null;
        break;
      case 'contact-lost':
        state.contactLostHours = fact.hours;
        break;
      case 'case-closed':
        state.closed = true;
        break;
      case 'case-reopened':
        state.closed = false;
        break;
      case 'record-erased':
        state.erased = true;
        break;
    }
  }

  state.accessByParty = parties;
  state.access = accessOf(parties);
  return state;
}
