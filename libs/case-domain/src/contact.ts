import { type CaseFact, type CaseState } from './case-state';
import { CONTACT_LOST_HOURS, urgencyReviewAt } from './urgency';

const HOUR_MS = 3_600_000;

/**
 * Facts that are news of the person: each one restarts the contact-lost clock. Beacon's own
 * contact-lost, an officer's intervention and the case's paperwork say nothing of the person.
 */
const NEWS: ReadonlySet<CaseFact['name']> = new Set<CaseFact['name']>([
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
 * When the last news of the person dates from: the latest fact that is news of them (when it
 * happened, not when it was reported), or a later confirmed contact; null if there is none.
 */
export function lastNewsAt(state: CaseState): string | null {
  const withdrawn = new Set<string>();
  for (const fact of state.facts)
    if (fact.name === 'record-corrected') withdrawn.add(fact.corrects);
  let latest = state.lastConfirmedContactAt;
  for (const fact of state.facts) {
    if (!NEWS.has(fact.name) || withdrawn.has(fact.eventId)) continue;
    if (latest === null || fact.occurredAt > latest) latest = fact.occurredAt;
  }
  return latest;
}

/** Hours without news that Beacon raises contact-lost at: T, then 2T (DOMAIN.md). */
const THRESHOLDS = [CONTACT_LOST_HOURS, 2 * CONTACT_LOST_HOURS] as const;

function watched(state: CaseState): boolean {
  return state.custody === 'detained' && !state.closed;
}

export interface ContactLost {
  /** Whole hours since the last news: at least T. */
  hoursWithoutContact: number;
  lastNewsAt: string;
}

/**
 * Whether Beacon should raise contact-lost now: the person is detained, there has been no news
 * for T hours (then for 2T), and Beacon has not yet raised it at that threshold since the last
 * news. Null otherwise.
 */
export function contactLostDue(state: CaseState, now: Date): ContactLost | null {
  if (!watched(state)) return null;
  const since = lastNewsAt(state) ?? state.detainedSince;
  if (since === null) return null;
  const hours = Math.floor((now.getTime() - Date.parse(since)) / HOUR_MS);
  const raised = state.contactLostHours ?? 0;
  const crossed = THRESHOLDS.filter((t) => hours >= t && raised < t);
  if (crossed.length === 0) return null;
  return { hoursWithoutContact: hours, lastNewsAt: since };
}

/** When the contact-lost clock next crosses a threshold not yet raised, or null. */
function contactCheckAt(state: CaseState, raisedHours: number | null): number | null {
  if (!watched(state)) return null;
  const since = lastNewsAt(state) ?? state.detainedSince;
  if (since === null) return null;
  const next = THRESHOLDS.find((t) => (raisedHours ?? 0) < t);
  return next === undefined ? null : Date.parse(since) + next * HOUR_MS;
}

/**
 * When the dispatcher must look at an unchanged case again: its urgency can change with the clock
 * (urgencyReviewAt), or contact-lost comes due. `raisedHours` is what has been raised but not yet
 * folded into the state, if anything.
 */
export function caseReviewAt(state: CaseState, now: Date, raisedHours?: number): Date | null {
  const raised = Math.max(state.contactLostHours ?? 0, raisedHours ?? 0);
  const candidates = [
    urgencyReviewAt(state, now)?.getTime() ?? null,
    contactCheckAt(state, raised === 0 ? null : raised),
  ].filter((t): t is number => t !== null);
  if (candidates.length === 0) return null;
  // A contact check already due comes due at once (the next round), not in the past forever.
  return new Date(Math.max(Math.min(...candidates), now.getTime()));
}
