import { type Custody, type Urgency, urgencyRank } from './types';

export interface CaseAlertView {
  caseId: string;
  incidentId: string | null;
  region: string | null;
  urgency: Urgency;
  previousUrgency: Urgency;
  custody: Custody;
  previousCustody: Custody;
}

export type AlertDecision =
  | { kind: 'raise'; dedupKey: string; rule: string; urgency: Urgency }
  | { kind: 'stand-down'; reason: 'released' }
  | { kind: 'follow-up'; reason: 'removed' }
  | { kind: 'resolve'; reason: 'urgency-dropped' }
  | { kind: 'none' };

/** The rule behind an alert raised for a rise to `urgency`: 'urgency-high' or 'urgency-critical'. */
export function urgencyRule(urgency: Urgency): string {
  return `urgency-${urgency}`;
}

/**
 * What to do after a case's urgency and custody were (re)assessed, given the case's open
 * alert. Never empty; `none` comes alone. In order: resolve, raise, stand-down, follow-up.
 *
 * - raise: urgency rose to high or critical, or the person was detained again (a release
 *   stood the last alert down while an ill-treatment or a removal order kept the case
 *   critical: a new detention is news all the same), and no open alert is already at that
 *   level or above. The rule is per level, so a rise from high to critical while the high alert is open
 *   raises a second alert (the dispatcher supersedes the first with it), and a redelivered
 *   event raises nothing twice: dedupKey = `${caseId}:${rule}` is unique among open alerts.
 * - resolve: the case has left both critical and high while an alert is open.
 * - stand-down: custody became released; whoever was paged for the case is told.
 * - follow-up: custody became removed; post-return follow-up goes to whoever was paged.
 */
export function decideAlert(
  view: CaseAlertView,
  openAlert: { urgency: Urgency } | null,
): AlertDecision[] {
  const decisions: AlertDecision[] = [];
  const rose = urgencyRank(view.urgency) > urgencyRank(view.previousUrgency);
  const detainedAgain = view.custody === 'detained' && view.previousCustody !== 'detained';
  const alertable = view.urgency === 'high' || view.urgency === 'critical';
  const alreadyCovered =
    openAlert !== null && urgencyRank(openAlert.urgency) >= urgencyRank(view.urgency);

  if (openAlert !== null && view.urgency === 'routine') {
    decisions.push({ kind: 'resolve', reason: 'urgency-dropped' });
  }
  if ((rose || detainedAgain) && alertable && !alreadyCovered) {
    const rule = urgencyRule(view.urgency);
    decisions.push({
      kind: 'raise',
      dedupKey: `${view.caseId}:${rule}`,
      rule,
      urgency: view.urgency,
    });
  }
  if (view.custody === 'released' && view.previousCustody !== 'released') {
    decisions.push({ kind: 'stand-down', reason: 'released' });
  }
  if (view.custody === 'removed' && view.previousCustody !== 'removed') {
    decisions.push({ kind: 'follow-up', reason: 'removed' });
  }
  return decisions.length > 0 ? decisions : [{ kind: 'none' }];
}
