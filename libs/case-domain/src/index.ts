export { accessOf, initialCaseState } from './case-state';
export type {
  Access,
  AccessByParty,
  CaseFact,
  CaseState,
  Custody,
  FactName,
  LocationStatus,
  RemovalRisk,
} from './case-state';
export { evolve, foldCase } from './evolve';
export { CONTACT_LOST_HOURS, URGENCY_RULES, assessUrgency } from './urgency';
export type { UrgencyAssessment, UrgencyReason } from './urgency';
export { timelineEntry } from './timeline';
export type { TimelineEntry } from './timeline';
