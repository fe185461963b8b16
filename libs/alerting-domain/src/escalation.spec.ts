import { ackDeadline, planEscalation } from './escalation';
import { aRoutingConfig } from './routing-config.fixture';

// Thursday 6 March 2025, 01:00 in Almaty: po-1 primary, po-2 deputy.
const night = new Date('2025-03-05T20:00:00Z');

describe(planEscalation.name, () => {
  const config = aRoutingConfig();

  it('moves an unacknowledged critical alert to the deputy, due again 15 minutes later', () => {
    const sut = planEscalation(config, 'almaty', 'critical', 0, night);

    expect(sut?.toTier).toBe(1);
    expect(sut?.tier.recipients.map((r) => r.id)).toEqual(['po-2']);
    expect(sut?.dueAt).toEqual(new Date('2025-03-05T20:15:00Z'));
  });

  it('then to the regional lead and the UNHCR focal point, after which nothing is due', () => {
    const sut = planEscalation(config, 'almaty', 'critical', 1, night);

    expect(sut?.tier.recipients.map((r) => r.id)).toEqual(['lead', 'unhcr']);
    expect(sut?.dueAt).toBeNull();
  });

  it('has nowhere to go from the last tier, or for an unknown region', () => {
    expect(planEscalation(config, 'almaty', 'critical', 2, night)).toBeNull();
    expect(planEscalation(config, 'atyrau', 'critical', 0, night)).toBeNull();
  });

  it('escalates a high alert once', () => {
    expect(planEscalation(config, 'almaty', 'high', 0, night)).toMatchObject({
      toTier: 1,
      dueAt: null,
    });
    expect(planEscalation(config, 'almaty', 'high', 1, night)).toBeNull();
  });

  it('resolves the deputy with the rota in force when the timer fires, not when it was set', () => {
    // Monday 10 March 09:00 Almaty the rota changed hands: po-3 is the deputy now.
    const afterHandover = new Date('2025-03-10T04:00:00Z');

    expect(
      planEscalation(config, 'almaty', 'critical', 0, afterHandover)?.tier.recipients.map(
        (r) => r.id,
      ),
    ).toEqual(['po-3']);
  });
});

describe(ackDeadline.name, () => {
  it('counts the timeout from when the tier was paged', () => {
    expect(ackDeadline(night, 15)).toEqual(new Date('2025-03-05T20:15:00Z'));
  });

  it('takes fractions of a minute for drills', () => {
    expect(ackDeadline(night, 0.1)).toEqual(new Date('2025-03-05T20:00:06Z'));
  });

  it('has no deadline on the last tier', () => {
    expect(ackDeadline(night, null)).toBeNull();
  });
});
