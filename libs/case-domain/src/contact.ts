import { type CaseState } from './case-state';
import { NEWS_FACTS, withdrawnFacts } from './evolve';
import { CONTACT_LOST_HOURS, urgencyReviewAt } from './urgency';

const HOUR_MS = 3_600_000;

/**
 * When the last news of the person dates from: the latest fact that is news of them (when it
 * happened, not when it was reported), or a later confirmed contact; null if there is none.
 */
export function lastNewsAt(state: CaseState): string | null {
  const withdrawn = withdrawnFacts(state.facts);
  let latest = state.lastConfirmedContactAt;
  for (const fact of state.facts) {
    if (!NEWS_FACTS.has(fact.name) || withdrawn.has(fact.eventId)) continue;
    if (latest === null || fact.occurredAt > latest) latest = fact.occurredAt;
  }
  return latest;
}

/** Hours without news that Beacon raises contact-lost at: T, then 2T (DOMAIN.md). */
const THRESHOLDS = [CONTACT_LOST_HOURS, 2 * CONTACT_LOST_HOURS] as const;

/** Where the contact-lost clock runs from, for a detained person in an open case; else null. */
function clockStart(state: CaseState): string | null {
  if (state.custody !== 'detained' || state.closed) return null;
  return lastNewsAt(state) ?? state.detainedSince;
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
  const since = clockStart(state);
  if (since === null) return null;
  const hours = Math.floor((now.getTime() - Date.parse(since)) / HOUR_MS);
  const raised = state.contactLostHours ?? 0;
  const crossed = THRESHOLDS.filter((t) => hours >= t && raised < t);
  if (crossed.length === 0) return null;
  return { hoursWithoutContact: hours, lastNewsAt: since };
}

/** When the contact-lost clock next crosses a threshold not yet raised, or null. */
function contactCheckAt(state: CaseState, raisedHours: number): number | null {
  const since = clockStart(state);
  if (since === null) return null;
  const next = THRESHOLDS.find((t) => raisedHours < t);
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
    contactCheckAt(state, raised),
  ].filter((t): t is number => t !== null);
  if (candidates.length === 0) return null;
  // A contact check already due comes due at once (the next round), not in the past forever.
  return new Date(Math.max(Math.min(...candidates), now.getTime()));
}
