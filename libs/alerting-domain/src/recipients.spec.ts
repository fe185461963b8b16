import { recipientsForTier } from './recipients';
import { aRoutingConfig } from './routing-config.fixture';

const sut = recipientsForTier;
// Thursday 6 March 2025, 01:00 in Almaty: week 8 of the rota, po-1 primary and po-2 deputy.
const night = new Date('2025-03-05T20:00:00Z');

const sms = (n: string) => ({ channel: 'sms', address: n });
const email = (a: string) => ({ channel: 'email', address: a });

describe(recipientsForTier.name, () => {
  const config = aRoutingConfig();

  describe('critical, per DOMAIN.md', () => {
    it('tier 0 pages the on-call officer and the legal-aid partner by SMS and e-mail, 15 minutes to acknowledge', () => {
      expect(sut(config, 'almaty', 'critical', 0, night)).toEqual({
        recipients: [
          {
            id: 'po-1',
            kind: 'person',
            locale: 'ru',
            channels: [sms('+77000000001'), email('po-1@beacon.example')],
            fallbacks: [],
          },
          {
            id: 'lap',
            kind: 'partner',
            locale: 'ru',
            channels: [email('lap@beacon.example'), sms('+77000000061')],
            fallbacks: [],
          },
        ],
        ackTimeoutMinutes: 15,
        isLast: false,
        delivery: 'parallel',
      });
    });

    it('tier 1 pages the deputy, 15 more minutes', () => {
      expect(sut(config, 'almaty', 'critical', 1, night)).toEqual({
        recipients: [
          {
            id: 'po-2',
            kind: 'person',
            locale: 'kk',
            channels: [sms('+77000000002'), email('po-2@beacon.example')],
            fallbacks: [],
          },
        ],
        ackTimeoutMinutes: 15,
        isLast: false,
        delivery: 'parallel',
      });
    });

    it('tier 2 pages the regional lead and the UNHCR focal point, and is the last', () => {
      const tier = sut(config, 'almaty', 'critical', 2, night);

      expect(tier?.recipients.map((r) => [r.id, r.channels.map((c) => c.channel)])).toEqual([
        ['lead', ['sms', 'email']],
        ['unhcr', ['email']],
      ]);
      expect(tier).toMatchObject({ ackTimeoutMinutes: null, isLast: true });
    });

    it('has nothing after the last tier', () => {
      expect(sut(config, 'almaty', 'critical', 3, night)).toBeNull();
    });
  });

  describe('high', () => {
    it('pages the on-call officer by e-mail and SMS, in the order the officer prefers, for 2 hours', () => {
      expect(sut(config, 'almaty', 'high', 0, night)).toEqual({
        recipients: [
          {
            id: 'po-1',
            kind: 'person',
            locale: 'ru',
            channels: [sms('+77000000001'), email('po-1@beacon.example')],
            fallbacks: [],
          },
        ],
        ackTimeoutMinutes: 120,
        isLast: false,
        delivery: 'parallel',
      });
    });

    it('escalates once, to the deputy', () => {
      expect(sut(config, 'almaty', 'high', 1, night)).toMatchObject({
        recipients: [{ id: 'po-2' }],
        ackTimeoutMinutes: null,
        isLast: true,
      });
    });
  });

  it('pages nobody for routine cases: the console only', () => {
    expect(sut(config, 'almaty', 'routine', 0, night)).toBeNull();
  });

  it('resolves the on-call officer at the moment of the tier, across a handover and an override', () => {
    // Monday 10 March 09:00 Almaty: week 9, po-2 primary and po-3 deputy.
    expect(
      sut(config, 'almaty', 'critical', 1, new Date('2025-03-10T04:00:00Z'))?.recipients.map(
        (r) => r.id,
      ),
    ).toEqual(['po-3']);
    // The fixture's override puts po-3, who takes e-mail only, on the phone in June's week.
    expect(
      sut(config, 'almaty', 'critical', 0, new Date('2025-06-10T04:00:00Z'))?.recipients[0],
    ).toEqual({
      id: 'po-3',
      kind: 'person',
      locale: 'en',
      channels: [email('po-3@beacon.example')],
      fallbacks: [],
    });
  });

  it("uses a region's own policy where it sets one and the global one elsewhere", () => {
    const march = new Date('2025-03-05T20:00:00Z');

    expect(sut(config, 'berlin', 'critical', 0, march)).toMatchObject({
      recipients: [
        { id: 'po-4', channels: [sms('+77000000004')] },
        { id: 'lead', channels: [sms('+77000000010')] },
      ],
      ackTimeoutMinutes: 10,
    });
    expect(sut(config, 'berlin', 'critical', 2, march)).toBeNull();
    expect(sut(config, 'berlin', 'high', 0, march)).toMatchObject({ ackTimeoutMinutes: 120 });
  });

  it("falls back to the recipient's own channels when none of the tier's is theirs", () => {
    const smsOnly = aRoutingConfig();
    smsOnly.regions.berlin!.policies!.critical!.tiers[1]!.channels = ['sms'];

    expect(sut(smsOnly, 'berlin', 'critical', 1, night)?.recipients).toEqual([
      {
        id: 'unhcr',
        kind: 'person',
        locale: 'en',
        channels: [email('unhcr@beacon.example')],
        fallbacks: [],
      },
    ]);
  });

  it('never uses a channel the recipient did not list, even with an address for it', () => {
    const emailOnly = aRoutingConfig();
    emailOnly.people['po-1']!.channels = ['email'];

    expect(sut(emailOnly, 'almaty', 'critical', 0, night)?.recipients[0]?.channels).toEqual([
      email('po-1@beacon.example'),
    ]);
  });

  it("keeps the recipient's other channels, in their order, to fail over to", () => {
    const march = new Date('2025-03-05T20:00:00Z');

    expect(sut(config, 'berlin', 'critical', 0, march)?.recipients[0]).toEqual({
      id: 'po-4',
      kind: 'person',
      locale: 'en',
      channels: [sms('+77000000004')],
      fallbacks: [email('po-4@beacon.example')],
    });
  });

  it("carries the tier's delivery mode, parallel unless the tier says failover", () => {
    const failover = aRoutingConfig();
    failover.policies.high.tiers[0]!.delivery = 'failover';

    expect(sut(config, 'almaty', 'high', 0, night)?.delivery).toBe('parallel');
    expect(sut(failover, 'almaty', 'high', 0, night)?.delivery).toBe('failover');
  });

  it('pages a person in two roles once', () => {
    const leadOnCall = aRoutingConfig();
    leadOnCall.regions.berlin!.rotation.weeks = [{ primary: 'lead', deputy: 'po-4' }];

    expect(sut(leadOnCall, 'berlin', 'critical', 0, night)?.recipients.map((r) => r.id)).toEqual([
      'lead',
    ]);
  });

  it('returns null for an unknown region or a tier that is not one', () => {
    expect(sut(config, 'atyrau', 'critical', 0, night)).toBeNull();
    expect(sut(config, 'almaty', 'critical', -1, night)).toBeNull();
    expect(sut(config, 'almaty', 'critical', 0.5, night)).toBeNull();
  });
});
