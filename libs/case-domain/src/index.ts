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
export { caseReviewAt, contactLostDue, lastNewsAt } from './contact';
export type { ContactLost } from './contact';
export { evolve, evolveAll, foldCase, stateFromFacts } from './evolve';
export { restoreCaseState, storeCaseState } from './stored-state';
export type { StoredCaseState } from './stored-state';
export { CONTACT_LOST_HOURS, URGENCY_RULES, assessUrgency, urgencyReviewAt } from './urgency';
export type { UrgencyAssessment, UrgencyReason } from './urgency';
export { timelineEntry } from './timeline';
export type { TimelineEntry } from './timeline';
export { syntheticCaseEvents } from './synthetic-cases';
export type { SyntheticCaseOptions } from './synthetic-cases';
