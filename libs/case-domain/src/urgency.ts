import { type Urgency } from '@beacon/events';
import { type CaseState } from './case-state';

/** DOMAIN.md's contact-lost threshold T: high after T hours without news while detained, critical after 2T. */
export const CONTACT_LOST_HOURS = 12;

const HOUR_MS = 3_600_000;
const ILL_TREATMENT_WINDOW_MS = 7 * 24 * HOUR_MS;
const HEARING_WINDOW_MS = 72 * HOUR_MS;

/** Each rule and the urgency it implies, most severe first; reasons are reported in this order. */
export const URGENCY_RULES = {
  'detained-capture-denied': 'critical',
  'detained-location-undisclosed': 'critical',
  incommunicado: 'critical',
  'lawyer-and-unhcr-denied': 'critical',
  'transfer-towards-border': 'critical',
  'removal-scheduled': 'critical',
  'removal-ordered': 'critical',
  'removal-to-origin': 'critical',
  'removal-executed': 'critical',
  'ill-treatment-7d': 'critical',
  'contact-lost-2t': 'critical',
  'detained-disclosed-with-lawyer': 'high',
  'detained-location-disclosed': 'high',
  'lawyer-or-unhcr-denied': 'high',
  'removal-threatened': 'high',
  'hearing-72h-without-ngo-counsel': 'high',
  'contact-lost-t': 'high',
} as const satisfies Record<string, Exclude<Urgency, 'routine'>>;

export type UrgencyReason = keyof typeof URGENCY_RULES;

export interface UrgencyAssessment {
  urgency: Urgency;
  /** Every rule that holds, most severe first; empty when routine. */
  reasons: UrgencyReason[];
}

const RULE_ORDER = Object.keys(URGENCY_RULES) as UrgencyReason[];

function holds(state: CaseState, now: number): Set<UrgencyReason> {
  const reasons = new Set<UrgencyReason>();
  const at = (iso: string) => Date.parse(iso);
  const { lawyer, unhcr } = state.accessByParty;

  if (state.custody === 'detained') {
    if (state.locationStatus === 'denied') reasons.add('detained-capture-denied');
    if (state.locationStatus === 'unknown') reasons.add('detained-location-undisclosed');
    if (state.locationStatus === 'disclosed') {
      reasons.add(
        lawyer === 'permitted' ? 'detained-disclosed-with-lawyer' : 'detained-location-disclosed',
      );
    }
    if (lawyer === 'denied' && unhcr === 'denied') {
      reasons.add(state.access === 'incommunicado' ? 'incommunicado' : 'lawyer-and-unhcr-denied');
    } else if (lawyer === 'denied' || unhcr === 'denied') {
      reasons.add('lawyer-or-unhcr-denied');
    }
    if (state.transferTowardsBorder) reasons.add('transfer-towards-border');
    if (state.contactLostHours !== null && state.contactLostHours >= 2 * CONTACT_LOST_HOURS) {
      reasons.add('contact-lost-2t');
    } else if (state.contactLostHours !== null && state.contactLostHours >= CONTACT_LOST_HOURS) {
      reasons.add('contact-lost-t');
    }
  }

  switch (state.removalRisk) {
    case 'none':
      break;
    case 'threatened':
      reasons.add(state.removalToOrigin ? 'removal-to-origin' : 'removal-threatened');
      break;
    case 'ordered':
      reasons.add('removal-ordered');
      if (state.removalToOrigin) reasons.add('removal-to-origin');
      break;
    case 'scheduled':
      reasons.add('removal-scheduled');
      if (state.removalToOrigin) reasons.add('removal-to-origin');
      break;
    case 'executed':
      // DOMAIN.md: removal stays critical for post-return follow-up, until an officer closes the case.
      reasons.add('removal-executed');
      break;
  }

  if (
    state.lastIllTreatmentAt !== null &&
    at(state.lastIllTreatmentAt) >= now - ILL_TREATMENT_WINDOW_MS
  ) {
    reasons.add('ill-treatment-7d');
  }

  if (state.nextHearingAt !== null && state.counsel !== 'ngo') {
    const untilHearing = at(state.nextHearingAt) - now;
    if (untilHearing >= 0 && untilHearing <= HEARING_WINDOW_MS)
      reasons.add('hearing-72h-without-ngo-counsel');
  }

  return reasons;
}

/** DOMAIN.md "Derived case state": the highest rule that holds. A closed case is routine whatever else holds. */
export function assessUrgency(state: CaseState, now: Date): UrgencyAssessment {
  if (state.closed) return { urgency: 'routine', reasons: [] };
  const held = holds(state, now.getTime());
  const reasons = RULE_ORDER.filter((reason) => held.has(reason));
  const urgency = reasons.some((reason) => URGENCY_RULES[reason] === 'critical')
    ? 'critical'
    : reasons.length > 0
      ? 'high'
      : 'routine';
  return { urgency, reasons };
}

/**
 * The earliest instant after `now` at which the assessment of an unchanged state can change, or null
 * if it cannot: stored urgencies go stale without new events (an ill-treatment leaving its 7-day
 * window, a hearing coming within 72 h or passing), so a projection re-assesses them at this time.
 */
export function urgencyReviewAt(state: CaseState, now: Date): Date | null {
  if (state.closed) return null;
  const t = now.getTime();
  const boundaries: number[] = [];
  if (state.lastIllTreatmentAt !== null) {
    // The rule holds up to and including the instant the window ends.
    boundaries.push(Date.parse(state.lastIllTreatmentAt) + ILL_TREATMENT_WINDOW_MS + 1);
  }
  if (state.nextHearingAt !== null && state.counsel !== 'ngo') {
    const hearing = Date.parse(state.nextHearingAt);
    boundaries.push(hearing - HEARING_WINDOW_MS, hearing + 1);
  }
  const next = boundaries.filter((b) => b > t).sort((a, b) => a - b)[0];
  return next === undefined ? null : new Date(next);
}
