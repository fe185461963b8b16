import fc from 'fast-check';
import { initialChannels, nextFailover, retryDelayMs } from './delivery-plan';
import { type Recipient } from './recipients';

const sms = { channel: 'sms', address: '+77000000001' } as const;
const email = { channel: 'email', address: 'po-1@beacon.example' } as const;
const webhook = { channel: 'webhook', address: 'https://hooks.beacon.example/po-1' } as const;

function aRecipient(overrides: Partial<Recipient> = {}): Recipient {
  return {
    id: 'po-1',
    kind: 'person',
    locale: 'ru',
    channels: [email, sms],
    fallbacks: [webhook],
    ...overrides,
  };
}

describe(initialChannels.name, () => {
  it('sends on every channel of the tier at once in parallel mode', () => {
    expect(initialChannels(aRecipient(), 'parallel')).toEqual([email, sms]);
  });

  it("sends on the recipient's first channel only in failover mode", () => {
    expect(initialChannels(aRecipient(), 'failover')).toEqual([email]);
  });
});

describe(nextFailover.name, () => {
  it('moves a failed e-mail to SMS', () => {
    expect(nextFailover(aRecipient(), ['email'])).toEqual(sms);
  });

  it("then to the recipient's own other channels", () => {
    expect(nextFailover(aRecipient(), ['email', 'sms'])).toEqual(webhook);
  });

  it('has nowhere to go once every channel is in use', () => {
    expect(nextFailover(aRecipient(), ['email', 'sms', 'webhook'])).toBeNull();
    expect(nextFailover(aRecipient({ fallbacks: [] }), ['sms', 'email'])).toBeNull();
  });
});

describe(retryDelayMs.name, () => {
  it('doubles from one second, half of it random', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000,
    ]);
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, () => 1))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    expect(retryDelayMs(40, () => 1)).toBe(300_000);
    expect(retryDelayMs(40, () => 0)).toBe(150_000);
  });

  it('stays within [ceiling/2, ceiling] for any attempt and any random draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, draw) => {
          const ceiling = Math.min(300_000, 1_000 * 2 ** Math.min(attempt - 1, 30));
          const delay = retryDelayMs(attempt, () => draw);
          return delay >= Math.floor(ceiling / 2) && delay <= ceiling;
        },
      ),
    );
  });
});
