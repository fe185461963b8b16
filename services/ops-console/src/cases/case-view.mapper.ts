import { type CaseField, type Decision, type Referral } from '@beacon/access-policy';
import { type CaseDetailDto, type CaseSummaryDto } from './case.dto';

/** Which policy field each part of a case view belongs to; ids and the region are always kept. */
const STATE_FIELDS: Record<keyof CaseSummaryDto['state'], CaseField> = {
  custody: 'custody',
  locationStatus: 'location',
  access: 'access',
  removalRisk: 'removal',
  closed: 'status',
};

type Allowed = Extract<Decision, { allow: true }>;

const allows = (decision: Allowed, field: CaseField) =>
  decision.fields === undefined || decision.fields.includes(field);

/**
 * A case summary cut down to what the decision allows (a legal-aid referral covers some fields
 * only). What is not named here is dropped, so a field added to the view later stays hidden.
 */
export function shapeSummary(view: CaseSummaryDto, decision: Allowed): Partial<CaseSummaryDto> {
  const state = Object.fromEntries(
    Object.entries(view.state).filter(([key]) =>
      allows(decision, STATE_FIELDS[key as keyof typeof STATE_FIELDS]),
    ),
  ) as Partial<CaseSummaryDto['state']>;
  return {
    caseId: view.caseId,
    incidentId: view.incidentId,
    personRef: view.personRef,
    region: view.region,
    ...(allows(decision, 'urgency')
      ? { urgency: view.urgency, urgencyReasons: view.urgencyReasons }
      : {}),
    state: state as CaseSummaryDto['state'],
    ...(allows(decision, 'status')
      ? {
          openedAt: view.openedAt,
          lastOccurredAt: view.lastOccurredAt,
          updatedAt: view.updatedAt,
          eventCount: view.eventCount,
        }
      : {}),
  };
}

/** The detail view: the summary's fields, the alerts if allowed, the timeline if `case.timeline` allows it. */
export function shapeDetail(
  view: CaseDetailDto,
  decision: Allowed,
  timelineAllowed: boolean,
): Partial<CaseDetailDto> {
  return {
    ...shapeSummary(view, decision),
    ...(allows(decision, 'alerts') ? { alerts: view.alerts } : {}),
    ...(timelineAllowed ? { timeline: view.timeline } : {}),
  };
}

/** The resource the access policy decides on: the case's region and its referrals. */
export function caseResource(
  region: string | null,
  referrals: readonly Referral[],
): { region: string; referrals: readonly Referral[] } {
  // A case without a region yet belongs to no officer's region: only national staff see it.
  return { region: region ?? '', referrals };
}
