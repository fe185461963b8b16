import fc from 'fast-check';
import {
  INCIDENT_WINDOW_MS,
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

  it('pages a case again at once when its urgency rose (a new alert), inside the window too', () => {
    const page = (state: IncidentNotifyState | undefined, caseId: string, s: number, alertId: string) =>
      planIncidentNotification(state, caseId, at(s), INCIDENT_WINDOW_MS, alertId);
    const high = page(undefined, 'c1', 0, 'a-high');
    const held = page(high.state, 'c2', 5, 'a2');
    const rise = page(held.state, 'c1', 8, 'a-critical');

    expect(rise.plan).toEqual({ action: 'page-now', casesInIncident: 2 });
    // The held update for c2 still goes when the window closes, and the same alert again is nothing.
    expect(flushIncidentUpdate(rise.state, at(60)).update).toEqual({
      caseIds: ['c2'],
      casesInIncident: 2,
    });
    expect(page(rise.state, 'c1', 9, 'a-critical').plan).toEqual({ action: 'already-notified' });
    expect(page(rise.state, 'c2', 9, 'a2').plan).toEqual({ action: 'already-notified' });
  });

  it('pages a rise for a row kept before alerts were recorded in it', () => {
    const legacy: IncidentNotifyState = {
      pagedAt: at(0).toISOString(),
      caseIds: ['c1'],
      heldCaseIds: [],
      flushAt: null,
    };

    expect(
      planIncidentNotification(legacy, 'c1', at(3), INCIDENT_WINDOW_MS, 'a-critical').plan,
    ).toEqual({ action: 'page-now', casesInIncident: 1 });
  });

  it('keeps its state as plain JSON', () => {
    const { state } = run([
      ['c1', 0],
      ['c2', 5],
    ]);

    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});

describe('incident grouping, for any arrivals', () => {
  const W = INCIDENT_WINDOW_MS;

  /**
   * A case of one incident arriving after an arbitrary gap (the window's edges included),
   * sometimes a redelivery of a case already seen. The held update's timer fires at its
   * flushAt, or, when it is late, only after the next case was planned.
   */
  interface Arrival {
    gapMs: number;
    redelivery: number | null;
    timerLate: boolean;
  }
  const anArrival: fc.Arbitrary<Arrival> = fc.record({
    gapMs: fc.oneof(fc.integer({ min: 0, max: 2 * W }), fc.constantFrom(0, 1, W - 1, W, W + 1)),
    redelivery: fc.option(fc.nat(), { freq: 4 }),
    timerLate: fc.boolean(),
  });
  const anyArrivals = fc.array(anArrival, { minLength: 1, maxLength: 40 });

  interface Announcement {
    at: number;
    kind: 'page' | 'update';
    /** The cases it names: the paging case, or the update's cases. */
    caseIds: string[];
    casesInIncident: number;
  }

  /** Plans every arrival in order; with `timerAtEnd`, the timer finally fires long after. */
  function simulate(arrivals: Arrival[], timerAtEnd = true) {
    let state: IncidentNotifyState | undefined;
    let now = t0;
    const seen: string[] = [];
    const announced: Announcement[] = [];
    const decided: {
      at: number;
      caseId: string;
      fresh: boolean;
      plan: IncidentNotificationPlan;
    }[] = [];
    const fireTimer = (until: number) => {
      if (state?.flushAt == null || Date.parse(state.flushAt) > until) return;
      const due = Date.parse(state.flushAt);
      const flushed = flushIncidentUpdate(state, new Date(due));
      if (flushed.update) announced.push({ at: due, kind: 'update', ...flushed.update });
      state = flushed.state;
    };
    for (const { gapMs, redelivery, timerLate } of arrivals) {
      now += gapMs;
      if (!timerLate) fireTimer(now);
      const fresh = redelivery === null || seen.length === 0;
      const caseId = fresh ? `c${seen.length + 1}` : seen[redelivery % seen.length]!;
      const before = state;
      const next = planIncidentNotification(state, caseId, new Date(now));
      if (!fresh) expect(next.state).toBe(before);
      state = next.state;
      if (fresh) seen.push(caseId);
      decided.push({ at: now, caseId, fresh, plan: next.plan });
      if (next.plan.action === 'page-now') {
        const { casesInIncident } = next.plan;
        announced.push({ at: now, kind: 'page', caseIds: [caseId], casesInIncident });
      }
      fireTimer(now);
    }
    if (timerAtEnd) fireTimer(now + 10 * W);
    return { seen, announced, decided, state: state! };
  }

  it('pages the first case at once, then a case iff it comes 60 s or more after the latest page; the rest of a window joins one update', () => {
    fc.assert(
      fc.property(anyArrivals, (arrivals) => {
        const { decided } = simulate(arrivals);

        expect(decided[0]!.plan).toEqual({ action: 'page-now', casesInIncident: 1 });
        let latestPage = decided[0]!.at;
        let heldInWindow = 0;
        for (const { at: when, fresh, plan } of decided.slice(1)) {
          if (!fresh) {
            expect(plan).toEqual({ action: 'already-notified' });
          } else if (when >= latestPage + W) {
            expect(plan.action).toBe('page-now');
            latestPage = when;
            heldInWindow = 0;
          } else {
            expect(plan).toEqual({
              action: heldInWindow === 0 ? 'hold-for-update' : 'join-held-update',
              flushAt: new Date(latestPage + W),
            });
            heldInWindow += 1;
          }
        }
      }),
    );
  });

  it('sends pages 60 s apart or more, and at most one update per page, as its window closes, naming the cases held in it', () => {
    fc.assert(
      fc.property(anyArrivals, (arrivals) => {
        const { announced, decided } = simulate(arrivals);
        // In the order they went: each page, then what went before the next page.
        const windows = announced.reduce<{ page: Announcement; updates: Announcement[] }[]>(
          (acc, a) => {
            if (a.kind === 'page') acc.push({ page: a, updates: [] });
            else acc.at(-1)!.updates.push(a);
            return acc;
          },
          [],
        );

        windows.forEach(({ page, updates }, i) => {
          if (i > 0) expect(page.at - windows[i - 1]!.page.at).toBeGreaterThanOrEqual(W);
          expect(updates.length).toBeLessThanOrEqual(1);
          for (const update of updates) {
            expect(update.at).toBe(page.at + W);
            expect(update.caseIds).toEqual(
              decided
                .filter((d) => d.fresh && d.at >= page.at && d.at < page.at + W)
                .filter((d) => d.plan.action !== 'page-now')
                .map((d) => d.caseId),
            );
          }
        });
      }),
    );
  });

  it('loses no case: each is named once at most, and the last page or update counts them all', () => {
    fc.assert(
      fc.property(anyArrivals, (arrivals) => {
        const { seen, announced, state } = simulate(arrivals);

        const named = announced.flatMap((a) => a.caseIds);
        expect(new Set(named).size).toBe(named.length);
        // A held case overtaken by the next page is counted by that page.
        const counts = announced.map((a) => a.casesInIncident);
        expect(counts).toEqual([...counts].sort((a, b) => a - b));
        // Nothing goes out of order: an update a late timer still finds is not sent after the page.
        const times = announced.map((a) => a.at);
        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(counts.at(-1)).toBe(seen.length);
        expect(state.caseIds).toEqual(seen);
        expect(state.heldCaseIds).toEqual([]);
      }),
    );
  });

  it('sends a held update not before it is due, and once', () => {
    fc.assert(
      fc.property(anyArrivals, fc.integer({ min: 1, max: W }), (arrivals, early) => {
        // Two more cases a moment apart: the second is held whatever came before.
        const more = { gapMs: 1, redelivery: null, timerLate: true };
        const { state } = simulate([...arrivals, more, more], false);
        const due = Date.parse(state.flushAt!);

        expect(flushIncidentUpdate(state, new Date(due - early))).toEqual({ update: null, state });
        const flushed = flushIncidentUpdate(state, new Date(due));
        expect(flushed.update?.caseIds).toEqual(state.heldCaseIds);
        expect(flushIncidentUpdate(flushed.state, new Date(due + early)).update).toBeNull();
      }),
    );
  });
});
