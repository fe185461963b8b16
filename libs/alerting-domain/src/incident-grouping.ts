// Five people taken in one raid are five cases and one incident: the on-call officer should
// get one page and at most one update a minute, not five pages. State is plain JSON so the
// dispatcher can keep it in a row per incident.

export const INCIDENT_WINDOW_MS = 60_000;

export interface IncidentNotifyState {
  /** ISO instant the latest page for the incident went out; the window runs from it. */
  pagedAt: string;
  /** Every case already paged or held, so a redelivered case changes nothing. */
  caseIds: string[];
  /** Cases waiting for the single update due at flushAt. */
  heldCaseIds: string[];
  flushAt: string | null;
  /**
   * The alerts paged or held. A case's later alert (its urgency rose: high, then critical) is
   * news and pages again; the same alert again changes nothing. Absent from rows written before
   * it was kept.
   */
  alertIds?: string[];
}

export type IncidentNotificationPlan =
  /** Page now. casesInIncident > 1 when an earlier window already paged (and absorbed any unsent update). */
  | { action: 'page-now'; casesInIncident: number }
  /** First case held in this window: schedule the update for flushAt. */
  | { action: 'hold-for-update'; flushAt: Date }
  /** The update is already scheduled for flushAt; this case rides on it. */
  | { action: 'join-held-update'; flushAt: Date }
  /** The alert was paged or held before (redelivery): do nothing. */
  | { action: 'already-notified' };

export interface IncidentUpdate {
  /** The cases the update announces. */
  caseIds: string[];
  casesInIncident: number;
}

/**
 * Where a newly alerting case of an incident goes. The first case pages at once; cases
 * within `windowMs` of the latest page join one update sent when the window closes; a case
 * after the window pages again (it may be a new arrest, and a page is acknowledged where an
 * update is not) and opens a new window. So an incident sends at most one page and one
 * update per window for its new cases. A case already paged whose urgency rose (a new alert,
 * `alertId`) pages at once, whatever the window: it is a different alarm about the same person.
 * Without `alertId`, a case is notified once.
 */
export function planIncidentNotification(
  state: IncidentNotifyState | undefined,
  caseId: string,
  now: Date,
  windowMs: number = INCIDENT_WINDOW_MS,
  alertId?: string,
): { plan: IncidentNotificationPlan; state: IncidentNotifyState } {
  const alerts = (ids: readonly string[] | undefined) =>
    alertId === undefined ? {} : { alertIds: [...(ids ?? []), alertId] };
  if (!state) {
    return {
      plan: { action: 'page-now', casesInIncident: 1 },
      state: {
        pagedAt: now.toISOString(),
        caseIds: [caseId],
        heldCaseIds: [],
        flushAt: null,
        ...alerts([]),
      },
    };
  }
  if (state.caseIds.includes(caseId)) {
    if (alertId === undefined || (state.alertIds ?? []).includes(alertId)) {
      return { plan: { action: 'already-notified' }, state };
    }
    // A rise of a case already paged: paged now, the incident's window and held update untouched.
    return {
      plan: { action: 'page-now', casesInIncident: state.caseIds.length },
      state: { ...state, ...alerts(state.alertIds) },
    };
  }

  const caseIds = [...state.caseIds, caseId];
  const windowEnd = new Date(Date.parse(state.pagedAt) + windowMs);
  if (now >= windowEnd) {
    // Any update still held is overtaken by this page, which carries the whole count.
    return {
      plan: { action: 'page-now', casesInIncident: caseIds.length },
      state: {
        pagedAt: now.toISOString(),
        caseIds,
        heldCaseIds: [],
        flushAt: null,
        ...alerts(state.alertIds),
      },
    };
  }
  const heldCaseIds = [...state.heldCaseIds, caseId];
  const flushAt = windowEnd.toISOString();
  return {
    plan:
      state.flushAt === null
        ? { action: 'hold-for-update', flushAt: windowEnd }
        : { action: 'join-held-update', flushAt: windowEnd },
    state: { pagedAt: state.pagedAt, caseIds, heldCaseIds, flushAt, ...alerts(state.alertIds) },
  };
}

/**
 * The update due at flushAt, once it is due; null (state unchanged) before then or when a
 * later page already carried the held cases.
 */
export function flushIncidentUpdate(
  state: IncidentNotifyState,
  now: Date,
): { update: IncidentUpdate | null; state: IncidentNotifyState } {
  if (state.flushAt === null || state.heldCaseIds.length === 0 || now < new Date(state.flushAt)) {
    return { update: null, state };
  }
  return {
    update: { caseIds: state.heldCaseIds, casesInIncident: state.caseIds.length },
    state: { ...state, heldCaseIds: [], flushAt: null },
  };
}
