import { aRoutingInput } from './routing-config.fixture';
import {
  formatConfigPath,
  formatRoutingConfigErrors,
  parseRoutingConfig,
  routingConfigSchema,
  type RoutingConfigError,
} from './routing-config';

type Path = (string | number)[];

function withChange(path: Path, value: unknown): Record<string, unknown> {
  const input = aRoutingInput();
  let node: Record<string | number, unknown> = input;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return input;
}

function errorsOf(input: unknown): RoutingConfigError[] {
  const result = parseRoutingConfig(input);
  if (result.ok) throw new Error('expected the config to be rejected');
  return result.errors;
}

describe(parseRoutingConfig.name, () => {
  it('accepts a valid configuration and keeps what it says', () => {
    const result = parseRoutingConfig(aRoutingInput());

    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.config.regions.almaty?.rotation.weeks).toHaveLength(2);
      expect(result.config.policies.critical.tiers[2]?.ackTimeoutMinutes).toBeNull();
    }
  });

  it.each<[string, Path, unknown, RoutingConfigError]>([
    [
      'an unknown officer in the rotation',
      ['regions', 'almaty', 'rotation', 'weeks', 1, 'primary'],
      'ivanov',
      { path: 'regions.almaty.rotation.weeks[1].primary', message: "unknown officer 'ivanov'" },
    ],
    [
      'an unknown officer in an override',
      ['regions', 'almaty', 'overrides', 0, 'deputy'],
      'nobody',
      { path: 'regions.almaty.overrides[0].deputy', message: "unknown officer 'nobody'" },
    ],
    [
      'the UNHCR focal point as on-call officer',
      ['regions', 'almaty', 'rotation', 'weeks', 0, 'deputy'],
      'unhcr',
      {
        path: 'regions.almaty.rotation.weeks[0].deputy',
        message: "'unhcr' is a unhcr-focal-point, expected protection-officer or regional-lead",
      },
    ],
    [
      'the same person as primary and deputy',
      ['regions', 'almaty', 'rotation', 'weeks', 0, 'deputy'],
      'po-1',
      {
        path: 'regions.almaty.rotation.weeks[0].deputy',
        message: 'the deputy must be someone other than the primary',
      },
    ],
    [
      'an officer as regional lead',
      ['regions', 'almaty', 'lead'],
      'po-1',
      {
        path: 'regions.almaty.lead',
        message: "'po-1' is a protection-officer, expected regional-lead",
      },
    ],
    [
      'an unknown legal-aid partner',
      ['regions', 'almaty', 'legalAidPartners', 0],
      'lap-x',
      { path: 'regions.almaty.legalAidPartners[0]', message: "unknown legal-aid partner 'lap-x'" },
    ],
    [
      'no legal-aid partner where the critical policy pages one',
      ['regions', 'almaty', 'legalAidPartners'],
      [],
      {
        path: 'regions.almaty.legalAidPartners',
        message: 'the critical policy pages a legal-aid partner but this region lists none',
      },
    ],
    [
      'an override that ends before it starts',
      ['regions', 'almaty', 'overrides', 0, 'to'],
      '2025-06-01T09:00',
      { path: 'regions.almaty.overrides[0].to', message: 'must be after from' },
    ],
  ])('rejects %s, naming the path', (_, path, value, expected) => {
    expect(errorsOf(withChange(path, value))).toEqual([expected]);
  });

  it.each<[string, Path, unknown, string, RegExp]>([
    [
      'a phone with spaces',
      ['people', 'po-1', 'phone'],
      '+7 700 000 0001',
      'people.po-1.phone',
      /E\.164/,
    ],
    [
      'a phone YAML read as a number',
      ['people', 'po-1', 'phone'],
      77000000001,
      'people.po-1.phone',
      /string/,
    ],
    [
      'a phone without a country code',
      ['people', 'po-1', 'phone'],
      '87000000001',
      'people.po-1.phone',
      /E\.164/,
    ],
    ['a bad e-mail', ['people', 'po-2', 'email'], 'po-2 at example', 'people.po-2.email', /e-mail/],
    ['a missing high policy', ['policies', 'high'], undefined, 'policies.high', /^missing policy$/],
    [
      'a missing critical policy',
      ['policies', 'critical'],
      undefined,
      'policies.critical',
      /^missing policy$/,
    ],
    [
      'a rotation starting on a Tuesday',
      ['regions', 'almaty', 'rotation', 'startsOn'],
      '2025-01-07',
      'regions.almaty.rotation.startsOn',
      /Monday/,
    ],
    [
      'a handover time of 9am',
      ['regions', 'almaty', 'rotation', 'handoverTime'],
      '9am',
      'regions.almaty.rotation.handoverTime',
      /HH:MM/,
    ],
    [
      'a handover time YAML read as minutes',
      ['regions', 'almaty', 'rotation', 'handoverTime'],
      540,
      'regions.almaty.rotation.handoverTime',
      /string/,
    ],
    [
      'an unknown time zone',
      ['regions', 'almaty', 'timezone'],
      'Asia/Alma-Ata-Nowhere',
      'regions.almaty.timezone',
      /IANA/,
    ],
    [
      'an empty rotation',
      ['regions', 'almaty', 'rotation', 'weeks'],
      [],
      'regions.almaty.rotation.weeks',
      /at least one week/,
    ],
    [
      'a misspelt key',
      ['regions', 'almaty', 'handover_time'],
      '09:00',
      'regions.almaty',
      /handover_time/,
    ],
    ['a name as id', ['people', 'Ivan Petrov'], {}, 'people["Ivan Petrov"]', /slug/],
    [
      'an unknown channel',
      ['people', 'po-1', 'channels'],
      ['pager'],
      'people.po-1.channels[0]',
      /email|sms|webhook/,
    ],
    [
      'an unknown recipient role',
      ['policies', 'high', 'tiers', 0, 'recipients'],
      ['on-call'],
      'policies.high.tiers[0].recipients[0]',
      /on-call-primary/,
    ],
    [
      'a middle tier without timeout',
      ['policies', 'critical', 'tiers', 1, 'ackTimeoutMinutes'],
      null,
      'policies.critical.tiers[1].ackTimeoutMinutes',
      /only the last tier/,
    ],
    [
      'a last tier with a timeout',
      ['policies', 'high', 'tiers', 1, 'ackTimeoutMinutes'],
      60,
      'policies.high.tiers[1].ackTimeoutMinutes',
      /last tier must be null/,
    ],
    [
      'a timeout of zero',
      ['policies', 'high', 'tiers', 0, 'ackTimeoutMinutes'],
      0,
      'policies.high.tiers[0].ackTimeoutMinutes',
      /0/,
    ],
    ['another version', ['version'], 2, 'version', /unsupported version/],
    [
      'an override that sets nobody',
      ['regions', 'almaty', 'overrides', 0, 'primary'],
      undefined,
      'regions.almaty.overrides[0]',
      /primary, deputy or both/,
    ],
    [
      'an override with a date only',
      ['regions', 'almaty', 'overrides', 0, 'from'],
      '2025-06-09',
      'regions.almaty.overrides[0].from',
      /ISO date-time/,
    ],
    [
      'an unknown delivery mode',
      ['policies', 'high', 'tiers', 0, 'delivery'],
      'broadcast',
      'policies.high.tiers[0].delivery',
      /parallel|failover/,
    ],
    [
      'a webhook over http',
      ['people', 'po-1', 'webhook'],
      'http://hooks.example/x',
      'people.po-1.webhook',
      /https/,
    ],
  ])('rejects %s at its path', (_, path, value, expectedPath, message) => {
    const errors = errorsOf(withChange(path, value));

    expect(errors).toContainEqual({ path: expectedPath, message: expect.stringMatching(message) });
  });

  it('accepts a fractional timeout for drills, a failover tier and a webhook to this machine', () => {
    const input = withChange(['policies', 'high', 'tiers', 0, 'ackTimeoutMinutes'], 0.25);
    const tier = (input.policies as { high: { tiers: Record<string, unknown>[] } }).high.tiers[0]!;
    tier.delivery = 'failover';
    const person = (input.people as Record<string, Record<string, unknown>>)['po-1']!;
    person.webhook = 'http://127.0.0.1:8085/beacon';
    person.channels = ['webhook', 'sms'];

    const result = parseRoutingConfig(input);

    expect(result.ok && result.config.policies.high.tiers[0]).toMatchObject({
      ackTimeoutMinutes: 0.25,
      delivery: 'failover',
    });
    expect(result.ok && result.config.people['po-1']?.webhook).toBe('http://127.0.0.1:8085/beacon');
  });

  it('asks for the address of every channel a person lists', () => {
    const errors = errorsOf(withChange(['people', 'unhcr', 'channels'], ['email', 'sms']));

    expect(errors).toEqual([
      { path: 'people.unhcr.channels[1]', message: "channel 'sms' needs a phone" },
    ]);
  });

  it('rejects a partner id that is also a person id', () => {
    const input = aRoutingInput();
    (input.partners as Record<string, unknown>)['po-1'] = (
      input.partners as Record<string, unknown>
    ).lap;

    expect(errorsOf(input)).toContainEqual({
      path: 'partners.po-1',
      message: "id 'po-1' is also a person: recipient ids must be unique",
    });
  });

  it('rejects overlapping overrides of the same slot, not of different slots', () => {
    const overlapping = withChange(['regions', 'almaty', 'overrides', 1], {
      from: '2025-06-12T00:00+05:00',
      to: '2025-06-20T00:00+05:00',
      primary: 'po-2',
    });
    const otherSlot = withChange(['regions', 'almaty', 'overrides', 1], {
      from: '2025-06-12T00:00+05:00',
      to: '2025-06-20T00:00+05:00',
      deputy: 'po-1',
    });

    expect(errorsOf(overlapping)).toEqual([
      { path: 'regions.almaty.overrides[1]', message: 'overlaps overrides[0] for the same slot' },
    ]);
    expect(parseRoutingConfig(otherSlot).ok).toBe(true);
  });

  it('reports every structural error at once', () => {
    const input = withChange(['people', 'po-1', 'phone'], 'not a phone');
    (input.policies as Record<string, unknown>).routine = undefined;

    expect(errorsOf(input).map((e) => e.path)).toEqual(['people.po-1.phone', 'policies.routine']);
  });

  it('rejects what is not an object at all', () => {
    expect(errorsOf('version: 1')).toEqual([
      { path: '', message: expect.stringMatching(/object/) },
    ]);
  });

  it('is the same check as routingConfigSchema', () => {
    expect(
      routingConfigSchema.safeParse(withChange(['regions', 'almaty', 'lead'], 'ghost')).success,
    ).toBe(false);
  });
});

describe(formatConfigPath.name, () => {
  it('writes keys with dots, indexes in brackets and odd keys quoted', () => {
    expect(formatConfigPath(['regions', 'almaty', 'rotation', 'weeks', 1, 'primary'])).toBe(
      'regions.almaty.rotation.weeks[1].primary',
    );
    expect(formatConfigPath(['people', 'a b'])).toBe('people["a b"]');
    expect(formatConfigPath([])).toBe('');
  });
});

describe(formatRoutingConfigErrors.name, () => {
  it('prints one "path: message" line per error', () => {
    expect(
      formatRoutingConfigErrors([
        { path: 'regions.almaty.rotation.weeks[1].primary', message: "unknown officer 'ivanov'" },
        { path: '', message: 'expected object' },
      ]),
    ).toBe(
      "regions.almaty.rotation.weeks[1].primary: unknown officer 'ivanov'\n(root): expected object",
    );
  });
});
