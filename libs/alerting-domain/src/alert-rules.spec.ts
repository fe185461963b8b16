import fc from 'fast-check';
import { decideAlert, type AlertDecision, type CaseAlertView } from './alert-rules';
import { type Custody, type Urgency, URGENCIES, urgencyRank } from './types';

const caseId = '0190f5a2-7c1e-7d7e-9c1a-5b3e2f1d4c6b';

function aView(overrides: Partial<CaseAlertView> = {}): CaseAlertView {
  return {
    caseId,
    incidentId: null,
    region: 'almaty',
    urgency: 'routine',
    previousUrgency: 'routine',
    custody: 'detained',
    previousCustody: 'detained',
    ...overrides,
  };
}

const open = (urgency: Urgency) => ({ urgency });

describe(decideAlert.name, () => {
  describe('raise', () => {
    it.each<[Urgency, Urgency]>([
      ['routine', 'critical'],
      ['routine', 'high'],
      ['high', 'critical'],
    ])('raises when urgency rises from %s to %s', (previousUrgency, urgency) => {
      expect(
        decideAlert(
          aView({ previousUrgency, urgency }),
          previousUrgency === 'high' ? open('high') : null,
        ),
      ).toEqual([
        {
          kind: 'raise',
          rule: `urgency-${urgency}`,
          dedupKey: `${caseId}:urgency-${urgency}`,
          urgency,
        },
      ]);
    });

    it('raises one alert per case and rule: the same rise seen twice raises once', () => {
      const view = aView({ previousUrgency: 'routine', urgency: 'critical' });

      const [first] = decideAlert(view, null);
      const again = decideAlert(view, open('critical'));

      expect(first).toMatchObject({ kind: 'raise', dedupKey: `${caseId}:urgency-critical` });
      expect(again).toEqual([{ kind: 'none' }]);
    });

    it('does not raise while urgency stays or falls within high and critical', () => {
      expect(
        decideAlert(aView({ previousUrgency: 'critical', urgency: 'critical' }), open('critical')),
      ).toEqual([{ kind: 'none' }]);
      expect(
        decideAlert(aView({ previousUrgency: 'critical', urgency: 'high' }), open('critical')),
      ).toEqual([{ kind: 'none' }]);
      expect(decideAlert(aView({ previousUrgency: 'high', urgency: 'high' }), null)).toEqual([
        { kind: 'none' },
      ]);
    });

    it('does not raise for a routine case', () => {
      expect(decideAlert(aView(), null)).toEqual([{ kind: 'none' }]);
    });
  });

  describe('resolve', () => {
    it('resolves the open alert when the case leaves critical and high', () => {
      expect(
        decideAlert(aView({ previousUrgency: 'critical', urgency: 'routine' }), open('critical')),
      ).toEqual([{ kind: 'resolve', reason: 'urgency-dropped' }]);
      expect(
        decideAlert(aView({ previousUrgency: 'high', urgency: 'routine' }), open('high')),
      ).toEqual([{ kind: 'resolve', reason: 'urgency-dropped' }]);
    });

    it('has nothing to resolve without an open alert', () => {
      expect(decideAlert(aView({ previousUrgency: 'high', urgency: 'routine' }), null)).toEqual([
        { kind: 'none' },
      ]);
    });
  });

  describe('custody', () => {
    it('resolves and stands down when a detained person is released', () => {
      const view = aView({
        previousUrgency: 'critical',
        urgency: 'routine',
        previousCustody: 'detained',
        custody: 'released',
      });

      expect(decideAlert(view, open('critical'))).toEqual([
        { kind: 'resolve', reason: 'urgency-dropped' },
        { kind: 'stand-down', reason: 'released' },
      ]);
    });

    it('stands down on release even when the alert was already resolved', () => {
      expect(
        decideAlert(aView({ previousCustody: 'detained', custody: 'released' }), null),
      ).toEqual([{ kind: 'stand-down', reason: 'released' }]);
    });

    it('asks for follow-up when a person is removed, beside a raise if urgency rose', () => {
      const view = aView({
        previousUrgency: 'high',
        urgency: 'critical',
        previousCustody: 'detained',
        custody: 'removed',
      });

      expect(decideAlert(view, open('high'))).toEqual([
        {
          kind: 'raise',
          rule: 'urgency-critical',
          dedupKey: `${caseId}:urgency-critical`,
          urgency: 'critical',
        },
        { kind: 'follow-up', reason: 'removed' },
      ]);
    });

    it('pages a person detained again while an ill-treatment still keeps the case critical', () => {
      // Released (the alert stood down), then taken again within the seven days.
      const view = aView({
        previousUrgency: 'critical',
        urgency: 'critical',
        previousCustody: 'released',
        custody: 'detained',
      });

      expect(decideAlert(view, null)).toEqual([
        {
          kind: 'raise',
          rule: 'urgency-critical',
          dedupKey: `${caseId}:urgency-critical`,
          urgency: 'critical',
        },
      ]);
      // A detention seen again while its alert is open raises nothing.
      expect(decideAlert(view, open('critical'))).toEqual([{ kind: 'none' }]);
    });

    it('does not repeat a stand-down or follow-up for a custody that did not change', () => {
      expect(
        decideAlert(aView({ previousCustody: 'released', custody: 'released' }), null),
      ).toEqual([{ kind: 'none' }]);
      expect(decideAlert(aView({ previousCustody: 'removed', custody: 'removed' }), null)).toEqual([
        { kind: 'none' },
      ]);
    });
  });
});

describe(`${decideAlert.name}, for any reassessment`, () => {
  const custodies: readonly Custody[] = ['at-liberty', 'detained', 'released', 'removed'];
  const anUrgency = fc.constantFrom(...URGENCIES);
  const aCustody = fc.constantFrom(...custodies);
  // Alerts are only ever raised at high or critical.
  const anOpenAlert = fc.option(fc.constantFrom<Urgency>('high', 'critical').map(open), {
    nil: null,
  });
  const aReassessment = fc.record({
    previousUrgency: anUrgency,
    urgency: anUrgency,
    previousCustody: aCustody,
    custody: aCustody,
  });
  const paging = (urgency: Urgency) => urgency === 'high' || urgency === 'critical';
  const kinds = (decisions: AlertDecision[]) => decisions.map((d) => d.kind);

  it('raises iff urgency rose into high or critical, or the person was detained (again), and no open alert is at that level or above, keyed case:rule', () => {
    fc.assert(
      fc.property(aReassessment, anOpenAlert, (change, openAlert) => {
        const raises = decideAlert(aView(change), openAlert).filter((d) => d.kind === 'raise');

        const rose =
          urgencyRank(change.urgency) > urgencyRank(change.previousUrgency) ||
          (change.custody === 'detained' && change.previousCustody !== 'detained');
        const covered =
          openAlert !== null && urgencyRank(openAlert.urgency) >= urgencyRank(change.urgency);
        expect(raises).toEqual(
          rose && paging(change.urgency) && !covered
            ? [
                {
                  kind: 'raise',
                  rule: `urgency-${change.urgency}`,
                  dedupKey: `${caseId}:urgency-${change.urgency}`,
                  urgency: change.urgency,
                },
              ]
            : [],
        );
      }),
    );
  });

  it('never raises the dedup key of the alert that is open', () => {
    fc.assert(
      fc.property(aReassessment, fc.constantFrom<Urgency>('high', 'critical'), (change, level) => {
        const openKey = `${caseId}:urgency-${level}`;

        for (const decision of decideAlert(aView(change), open(level))) {
          if (decision.kind === 'raise') expect(decision.dedupKey).not.toBe(openKey);
        }
      }),
    );
  });

  it('resolves iff an alert is open and the case is routine', () => {
    fc.assert(
      fc.property(aReassessment, anOpenAlert, (change, openAlert) => {
        expect(kinds(decideAlert(aView(change), openAlert)).includes('resolve')).toBe(
          openAlert !== null && change.urgency === 'routine',
        );
      }),
    );
  });

  it('stands down iff custody became released, and asks for follow-up iff it became removed, open alert or not', () => {
    fc.assert(
      fc.property(aReassessment, anOpenAlert, (change, openAlert) => {
        const decided = decideAlert(aView(change), openAlert);
        const became = (custody: Custody) =>
          change.custody === custody && change.previousCustody !== custody;

        expect(decided.filter((d) => d.kind === 'stand-down')).toEqual(
          became('released') ? [{ kind: 'stand-down', reason: 'released' }] : [],
        );
        expect(decided.filter((d) => d.kind === 'follow-up')).toEqual(
          became('removed') ? [{ kind: 'follow-up', reason: 'removed' }] : [],
        );
      }),
    );
  });

  it('answers each kind at most once, in the order resolve, raise, stand-down, follow-up, and none alone', () => {
    const order: AlertDecision['kind'][] = ['resolve', 'raise', 'stand-down', 'follow-up'];
    fc.assert(
      fc.property(aReassessment, anOpenAlert, (change, openAlert) => {
        const decided = kinds(decideAlert(aView(change), openAlert));

        if (decided.includes('none')) {
          expect(decided).toEqual(['none']);
        } else {
          expect(decided.length).toBeGreaterThan(0);
          expect(decided).toEqual(order.filter((kind) => decided.includes(kind)));
        }
      }),
    );
  });

  it('never holds two open alerts with one dedup key, and keeps a paging case covered, over any history', () => {
    // The dispatcher's bookkeeping: a raise opens an alert and supersedes the case's other
    // one; a resolve or a stand-down closes it. Redeliveries repeat the last reassessment.
    const aStep = fc.record({ urgency: anUrgency, custody: aCustody, redelivered: fc.boolean() });
    fc.assert(
      fc.property(fc.array(aStep, { minLength: 1, maxLength: 30 }), (steps) => {
        let previous = { urgency: 'routine' as Urgency, custody: 'at-liberty' as Custody };
        let openAlert: { urgency: Urgency; dedupKey: string } | null = null;
        let releasedWhilePaging = false;
        for (const step of steps) {
          const views = [
            aView({
              previousUrgency: previous.urgency,
              urgency: step.urgency,
              previousCustody: previous.custody,
              custody: step.custody,
            }),
          ];
          if (step.redelivered)
            views.push(
              aView({
                previousUrgency: step.urgency,
                urgency: step.urgency,
                previousCustody: step.custody,
                custody: step.custody,
              }),
            );
          for (const view of views) {
            for (const decision of decideAlert(view, openAlert)) {
              if (decision.kind === 'raise') {
                expect(decision.dedupKey).not.toBe(openAlert?.dedupKey);
                if (openAlert)
                  expect(urgencyRank(decision.urgency)).toBeGreaterThan(
                    urgencyRank(openAlert.urgency),
                  );
                openAlert = { urgency: decision.urgency, dedupKey: decision.dedupKey };
              }
              if (decision.kind === 'resolve' || decision.kind === 'stand-down') openAlert = null;
              if (decision.kind === 'stand-down' && paging(view.urgency))
                releasedWhilePaging = true;
            }
          }
          const detainedAgain = step.custody === 'detained' && previous.custody !== 'detained';
          previous = { urgency: step.urgency, custody: step.custody };
          if (!paging(step.urgency) || detainedAgain) releasedWhilePaging = false;
          // Until a release stands the case down while it still pages, a high or critical
          // case has an open alert at its level or above; a routine one has none. After such
          // a release a rise or a new detention raises again.
          if (!releasedWhilePaging) {
            if (paging(step.urgency)) {
              expect(openAlert).not.toBeNull();
              expect(urgencyRank(openAlert!.urgency)).toBeGreaterThanOrEqual(
                urgencyRank(step.urgency),
              );
            } else {
              expect(openAlert).toBeNull();
            }
          }
        }
      }),
    );
  });
});
