import {
  flushIncidentUpdate,
  planIncidentNotification,
  type IncidentNotificationPlan,
  type IncidentNotifyState,
} from './incident-grouping';

const t0 = Date.parse('2025-03-06T00:14:00Z');
const at = (seconds: number) => new Date(t0 + seconds * 1000);

/** Feeds cases in order, as the dispatcher would, returning each plan and the final state. */
function run(arrivals: [caseId: string, seconds: number][], initial?: IncidentNotifyState) {
  let state = initial;
  const plans: IncidentNotificationPlan[] = [];
  for (const [caseId, seconds] of arrivals) {
    const next = planIncidentNotification(state, caseId, at(seconds));
    plans.push(next.plan);
    state = next.state;
  }
  return { plans, state: state! };
}

describe(planIncidentNotification.name, () => {
  it('pages the first case of an incident at once', () => {
    expect(run([['c1', 0]]).plans).toEqual([{ action: 'page-now', casesInIncident: 1 }]);
  });

  it('sends five cases within 60 s as one page and one update', () => {
    const { plans, state } = run([
      ['c1', 0],
      ['c2', 5],
      ['c3', 12],
      ['c4', 30],
      ['c5', 59],
    ]);

    expect(plans).toEqual([
      { action: 'page-now', casesInIncident: 1 },
      { action: 'hold-for-update', flushAt: at(60) },
      { action: 'join-held-update', flushAt: at(60) },
      { action: 'join-held-update', flushAt: at(60) },
      { action: 'join-held-update', flushAt: at(60) },
    ]);
    expect(flushIncidentUpdate(state, at(59)).update).toBeNull();
    expect(flushIncidentUpdate(state, at(60)).update).toEqual({
      caseIds: ['c2', 'c3', 'c4', 'c5'],
      casesInIncident: 5,
    });
  });

  it('sends nothing more once the update went out', () => {
    const { state } = run([
      ['c1', 0],
      ['c2', 5],
    ]);
    const flushed = flushIncidentUpdate(state, at(60));

    expect(flushIncidentUpdate(flushed.state, at(61)).update).toBeNull();
  });

  it('pages again for a sixth case after the window, counting the whole incident, and opens a new window', () => {
    const first = run([
      ['c1', 0],
      ['c2', 5],
      ['c3', 12],
      ['c4', 30],
      ['c5', 59],
    ]);
    const afterFlush = flushIncidentUpdate(first.state, at(60)).state;

    const later = run(
      [
        ['c6', 90],
        ['c7', 100],
      ],
      afterFlush,
    );

    expect(later.plans).toEqual([
      { action: 'page-now', casesInIncident: 6 },
      { action: 'hold-for-update', flushAt: at(150) },
    ]);
    expect(flushIncidentUpdate(later.state, at(150)).update).toEqual({
      caseIds: ['c7'],
      casesInIncident: 7,
    });
  });

  it('counts a case exactly 60 s after the page as late', () => {
    expect(
      run([
        ['c1', 0],
        ['c2', 60],
      ]).plans[1],
    ).toEqual({ action: 'page-now', casesInIncident: 2 });
  });

  it('folds an update that was never flushed into the next page', () => {
    const { plans, state } = run([
      ['c1', 0],
      ['c2', 10],
      ['c3', 75],
    ]);

    expect(plans[2]).toEqual({ action: 'page-now', casesInIncident: 3 });
    expect(flushIncidentUpdate(state, at(80)).update).toBeNull();
  });

  it('ignores a case it has already seen (a redelivered event)', () => {
    const { plans, state } = run([
      ['c1', 0],
      ['c2', 5],
      ['c2', 6],
      ['c1', 200],
    ]);

    expect(plans.slice(2)).toEqual([
      { action: 'already-notified' },
      { action: 'already-notified' },
    ]);
    expect(state.caseIds).toEqual(['c1', 'c2']);
  });

  it('keeps its state as plain JSON', () => {
    const { state } = run([
      ['c1', 0],
      ['c2', 5],
    ]);

    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});
