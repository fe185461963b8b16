import { authorize, type Referral } from '@beacon/access-policy';
import { type UserPrincipal } from '@beacon/identity';
import { caseResource, shapeSummary } from '../cases/case-view.mapper';
import { caseSummary } from '../cases/case.mapper';
import { type CaseRow } from '../cases/cases.repository';

/** An alert as the dispatcher lists it; only the fields the decision needs are named here. */
export interface LiveAlert {
  alertId: string;
  caseId: string;
  region: string | null;
  [field: string]: unknown;
}

/** Something that changed since the last look, before anyone's access is considered. */
export type LiveChange =
  | { kind: 'alert'; alert: LiveAlert }
  | { kind: 'alert-closed'; alert: LiveAlert }
  | { kind: 'case'; row: CaseRow };

export interface LiveEvent {
  event: 'ready' | 'alert' | 'alert-closed' | 'case';
  data: unknown;
}

const caseIdOf = (change: LiveChange) => (change.kind === 'case' ? change.row.case_id : change.alert.caseId);

export function caseIdsOf(changes: readonly LiveChange[]): string[] {
  return [...new Set(changes.map(caseIdOf))];
}

/**
 * The changes one user may see, shaped as the REST endpoints shape them: alerts by `alert.read`
 * (as GET /v1/alerts filters them), cases by `case.read` cut to the allowed fields (as GET
 * /v1/cases does). Whatever the policy refuses is not sent at all.
 */
export function visibleEvents(
  principal: UserPrincipal,
  changes: readonly LiveChange[],
  referrals: ReadonlyMap<string, readonly Referral[]>,
): LiveEvent[] {
  return changes.flatMap((change): LiveEvent[] => {
    const caseId = caseIdOf(change);
    switch (change.kind) {
      case 'alert':
      case 'alert-closed': {
        const resource = caseResource(change.alert.region, referrals.get(caseId) ?? []);
        if (!authorize(principal, 'alert.read', resource).allow) return [];
        return change.kind === 'alert'
          ? [{ event: 'alert', data: change.alert }]
          : [{ event: 'alert-closed', data: { alertId: change.alert.alertId, caseId } }];
      }
      case 'case': {
        const resource = caseResource(change.row.region, referrals.get(caseId) ?? []);
        const decision = authorize(principal, 'case.read', resource);
        if (!decision.allow) return [];
        return [{ event: 'case', data: shapeSummary(caseSummary(change.row), decision) }];
      }
    }
  });
}

/** One server-sent event: a named event with a single line of JSON. */
export function sseFrame(event: LiveEvent): string {
  return `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}
