import { decideAlert, type CaseAlertView } from './alert-rules';
import { type Urgency } from './types';

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
