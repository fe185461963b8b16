import { z } from 'zod';
import { CHANNELS, LOCALES, URGENCIES, type Channel, type Locale, type Urgency } from './types';
import {
  isMonday,
  isValidTimeZone,
  parseCalendarDate,
  parseDateTimeIn,
  parseTimeOfDay,
} from './zoned-time';

export type PersonRole = 'protection-officer' | 'regional-lead' | 'unhcr-focal-point';
export const PERSON_ROLES: readonly PersonRole[] = [
  'protection-officer',
  'regional-lead',
  'unhcr-focal-point',
];

export type RecipientRole =
  | 'on-call-primary'
  | 'on-call-deputy'
  | 'regional-lead'
  | 'unhcr-focal-point'
  | 'legal-aid-partner';
export const RECIPIENT_ROLES: readonly RecipientRole[] = [
  'on-call-primary',
  'on-call-deputy',
  'regional-lead',
  'unhcr-focal-point',
  'legal-aid-partner',
];

export interface Person {
  /** For the console and the admin CLI only: no template can reach it. */
  name: string;
  role: PersonRole;
  email?: string;
  /** E.164, e.g. +77000000042. */
  phone?: string;
  /** https URL of a signed webhook. */
  webhook?: string;
  locale: Locale;
  /** In order of preference; each needs its address (email, phone, webhook). */
  channels: Channel[];
}

export interface LegalAidPartner {
  name: string;
  email?: string;
  phone?: string;
  webhook?: string;
  locale: Locale;
  channels: Channel[];
}

export interface RotationWeek {
  primary: string;
  deputy: string;
}

export interface Rotation {
  /** 'YYYY-MM-DD', a Monday: week 0 begins that day at handoverTime, region time. */
  startsOn: string;
  /** 'HH:MM', region time. */
  handoverTime: string;
  weeks: RotationWeek[];
}

export interface RotationOverride {
  /** ISO date-time; without an offset it is read in the region's time zone. Inclusive. */
  from: string;
  /** Exclusive. */
  to: string;
  primary?: string;
  deputy?: string;
}

/**
 * How a tier reaches each recipient: 'parallel' sends on every channel at once (DOMAIN.md:
 * critical goes by SMS and e-mail together); 'failover' sends on the first and moves to the
 * next only when a send fails.
 */
export type DeliveryMode = 'parallel' | 'failover';
export const DELIVERY_MODES: readonly DeliveryMode[] = ['parallel', 'failover'];

export interface EscalationTier {
  recipients: RecipientRole[];
  channels: Channel[];
  /**
   * Minutes after this tier was paged; null on the last tier, which nothing follows. Fractions
   * are allowed (0.25 is 15 seconds) for drills and tests.
   */
  ackTimeoutMinutes: number | null;
  /** Absent means 'parallel'. */
  delivery?: DeliveryMode;
}

export interface EscalationPolicy {
  tiers: EscalationTier[];
}

export interface Region {
  name: string;
  timezone: string;
  rotation: Rotation;
  overrides?: RotationOverride[];
  lead: string;
  unhcrFocalPoint: string;
  legalAidPartners: string[];
  /** DOMAIN.md lets each region change the defaults; what is set here replaces the global policy. */
  policies?: Partial<Record<Urgency, EscalationPolicy>>;
}

export interface RoutingConfig {
  version: number;
  /** The organisation's default zone (digests, reports); each region names its own. */
  timezone?: string;
  people: Record<string, Person>;
  partners: Record<string, LegalAidPartner>;
  regions: Record<string, Region>;
  /** routine has no tiers by default: the console only. */
  policies: Record<Urgency, EscalationPolicy>;
}

export interface RoutingConfigError {
  path: string;
  message: string;
}

export type ParseRoutingConfigResult =
  { ok: true; config: RoutingConfig } | { ok: false; errors: RoutingConfigError[] };

// Ids land in Kafka events as recipient ids, so like every opaque id there they must not be
// names, e-mails or numbers: a slug such as "po-almaty-1".
const ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const E164 = /^\+[1-9]\d{7,14}$/;

const idSchema = z
  .string()
  .max(48)
  .regex(ID, 'must be a lowercase slug such as "po-almaty-1" (never a name, e-mail or number)');

const unique = <T>(values: readonly T[]): boolean => new Set(values).size === values.length;

const channelsSchema = z
  .array(z.enum(CHANNELS))
  .min(1, 'list at least one channel')
  .refine(unique, 'channels must not repeat');

const phoneSchema = z
  .string()
  .regex(E164, 'must be an E.164 number such as "+77000000042" (quoted in YAML, no spaces)');

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

// Plain http only to this machine (a local relay or a test receiver): nothing crosses a network
// in clear text.
const httpsUrlSchema = z.string().refine((value) => {
  try {
    const url = new URL(value);
    const secure =
      url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
    return secure && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}, 'must be an https URL without credentials (http only to localhost)');

const timeZoneSchema = z
  .string()
  .refine(isValidTimeZone, 'must be an IANA time zone such as "Asia/Almaty"');

const nameSchema = z.string().trim().min(1).max(120);

const ADDRESS_OF: Readonly<Record<Channel, 'email' | 'phone' | 'webhook'>> = {
  email: 'email',
  sms: 'phone',
  webhook: 'webhook',
};

function requireAddresses(
  contact: { channels: Channel[]; email?: string; phone?: string; webhook?: string },
  ctx: z.RefinementCtx,
): void {
  contact.channels.forEach((channel, index) => {
    const field = ADDRESS_OF[channel];
    if (contact[field] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['channels', index],
        message: `channel '${channel}' needs ${field === 'email' ? 'an' : 'a'} ${field}`,
      });
    }
  });
}

const contactFields = {
  name: nameSchema,
  email: z.email('must be an e-mail address').optional(),
  phone: phoneSchema.optional(),
  webhook: httpsUrlSchema.optional(),
  locale: z.enum(LOCALES),
  channels: channelsSchema,
};

const personSchema = z
  .strictObject({ ...contactFields, role: z.enum(PERSON_ROLES) })
  .superRefine(requireAddresses);

const partnerSchema = z.strictObject(contactFields).superRefine(requireAddresses);

const rotationSchema = z.strictObject({
  startsOn: z.string().refine((value) => {
    const date = parseCalendarDate(value);
    return date !== null && isMonday(date);
  }, 'must be a Monday as "YYYY-MM-DD"'),
  handoverTime: z
    .string()
    .refine((value) => parseTimeOfDay(value) !== null, 'must be "HH:MM" (24-hour, quoted in YAML)'),
  weeks: z
    .array(z.strictObject({ primary: idSchema, deputy: idSchema }))
    .min(1, 'list at least one week')
    .max(52),
});

const dateTimeSchema = z
  .string()
  .refine(
    (value) => parseDateTimeIn(value, 'UTC') !== null,
    'must be an ISO date-time such as "2025-06-09T09:00" (region time) or "2025-06-09T09:00+05:00"',
  );

const overrideSchema = z
  .strictObject({
    from: dateTimeSchema,
    to: dateTimeSchema,
    primary: idSchema.optional(),
    deputy: idSchema.optional(),
  })
  .refine(
    (o) => o.primary !== undefined || o.deputy !== undefined,
    'an override sets primary, deputy or both',
  );

const tierSchema = z.strictObject({
  recipients: z
    .array(z.enum(RECIPIENT_ROLES))
    .min(1, 'list at least one recipient')
    .refine(unique, 'recipients must not repeat'),
  channels: channelsSchema,
  ackTimeoutMinutes: z
    .number()
    .positive()
    .max(7 * 24 * 60)
    .nullable(),
  delivery: z.enum(DELIVERY_MODES).optional(),
});

const policySchema = z
  .strictObject(
    { tiers: z.array(tierSchema).max(20) },
    { error: (issue) => (issue.input === undefined ? 'missing policy' : undefined) },
  )
  .superRefine((policy, ctx) => {
    const last = policy.tiers.length - 1;
    policy.tiers.forEach((tier, index) => {
      if (index < last && tier.ackTimeoutMinutes === null) {
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', index, 'ackTimeoutMinutes'],
          message: 'only the last tier may have no timeout; a later tier would never be reached',
        });
      }
      if (index === last && tier.ackTimeoutMinutes !== null) {
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', index, 'ackTimeoutMinutes'],
          message: 'the last tier must be null: there is no tier to escalate to',
        });
      }
    });
  });

const policiesSchema = z.strictObject({
  routine: policySchema,
  high: policySchema,
  critical: policySchema,
});

const regionPoliciesSchema = z.strictObject({
  routine: policySchema.optional(),
  high: policySchema.optional(),
  critical: policySchema.optional(),
});

const regionSchema = z.strictObject({
  name: nameSchema,
  timezone: timeZoneSchema,
  rotation: rotationSchema,
  overrides: z.array(overrideSchema).optional(),
  lead: idSchema,
  unhcrFocalPoint: idSchema,
  legalAidPartners: z.array(idSchema).refine(unique, 'partners must not repeat'),
  policies: regionPoliciesSchema.optional(),
});

const idKeys = {
  error: (issue: { code?: string }) =>
    issue.code === 'invalid_key'
      ? 'ids must be lowercase slugs such as "po-almaty-1" (never a name, e-mail or number)'
      : undefined,
};

const structureSchema = z.strictObject({
  version: z.literal(1, 'unsupported version: this build reads version 1'),
  timezone: timeZoneSchema.optional(),
  people: z.record(idSchema, personSchema, idKeys),
  partners: z.record(idSchema, partnerSchema, idKeys),
  regions: z
    .record(idSchema, regionSchema, idKeys)
    .refine((regions) => Object.keys(regions).length > 0, 'configure at least one region'),
  policies: policiesSchema,
});

const ON_CALL_ROLES: readonly PersonRole[] = ['protection-officer', 'regional-lead'];

function checkReferences(config: RoutingConfig, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string): void => {
    ctx.addIssue({ code: 'custom', path, message });
  };

  for (const id of Object.keys(config.partners)) {
    if (Object.hasOwn(config.people, id)) {
      issue(['partners', id], `id '${id}' is also a person: recipient ids must be unique`);
    }
  }

  const person = (
    path: (string | number)[],
    id: string,
    noun: string,
    roles: readonly PersonRole[],
  ): void => {
    const found = Object.hasOwn(config.people, id) ? config.people[id] : undefined;
    if (!found) {
      issue(path, `unknown ${noun} '${id}'`);
    } else if (!roles.includes(found.role)) {
      issue(path, `'${id}' is a ${found.role}, expected ${roles.join(' or ')}`);
    }
  };

  for (const [regionId, region] of Object.entries(config.regions)) {
    const at = (...rest: (string | number)[]): (string | number)[] => [
      'regions',
      regionId,
      ...rest,
    ];

    region.rotation.weeks.forEach((week, index) => {
      person(at('rotation', 'weeks', index, 'primary'), week.primary, 'officer', ON_CALL_ROLES);
      person(at('rotation', 'weeks', index, 'deputy'), week.deputy, 'officer', ON_CALL_ROLES);
      if (week.primary === week.deputy) {
        issue(
          at('rotation', 'weeks', index, 'deputy'),
          'the deputy must be someone other than the primary',
        );
      }
    });

    const overrides = region.overrides ?? [];
    // Zod runs this check after failed refinements too: a bad zone is reported elsewhere.
    const zoneOk = isValidTimeZone(region.timezone);
    const spans = overrides.map((override) => ({
      from: zoneOk ? parseDateTimeIn(override.from, region.timezone) : null,
      to: zoneOk ? parseDateTimeIn(override.to, region.timezone) : null,
    }));
    overrides.forEach((override, index) => {
      if (override.primary !== undefined) {
        person(at('overrides', index, 'primary'), override.primary, 'officer', ON_CALL_ROLES);
      }
      if (override.deputy !== undefined) {
        person(at('overrides', index, 'deputy'), override.deputy, 'officer', ON_CALL_ROLES);
      }
      const span = spans[index];
      if (span?.from && span.to && span.from >= span.to) {
        issue(at('overrides', index, 'to'), 'must be after from');
      }
      // Two overrides of the same slot at the same moment would leave the rota to list order.
      for (let earlier = 0; earlier < index; earlier += 1) {
        const other = overrides[earlier];
        const otherSpan = spans[earlier];
        if (!other || !span?.from || !span.to || !otherSpan?.from || !otherSpan.to) continue;
        const overlaps = span.from < otherSpan.to && otherSpan.from < span.to;
        const sameSlot =
          (override.primary !== undefined && other.primary !== undefined) ||
          (override.deputy !== undefined && other.deputy !== undefined);
        if (overlaps && sameSlot) {
          issue(at('overrides', index), `overlaps overrides[${earlier}] for the same slot`);
        }
      }
    });

    person(at('lead'), region.lead, 'person', ['regional-lead']);
    person(at('unhcrFocalPoint'), region.unhcrFocalPoint, 'person', ['unhcr-focal-point']);
    region.legalAidPartners.forEach((partnerId, index) => {
      if (!Object.hasOwn(config.partners, partnerId)) {
        issue(at('legalAidPartners', index), `unknown legal-aid partner '${partnerId}'`);
      }
    });

    if (region.legalAidPartners.length === 0) {
      for (const urgency of URGENCIES) {
        const policy = region.policies?.[urgency] ?? config.policies[urgency];
        if (policy.tiers.some((tier) => tier.recipients.includes('legal-aid-partner'))) {
          issue(
            at('legalAidPartners'),
            `the ${urgency} policy pages a legal-aid partner but this region lists none`,
          );
          break;
        }
      }
    }
  }
}

export const routingConfigSchema: z.ZodType<RoutingConfig> =
  structureSchema.superRefine(checkReferences);

/** 'regions.almaty.rotation.weeks[1].primary' from zod's path segments. */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
    } else {
      const key = String(segment);
      out += /^[A-Za-z_$][\w$-]*$/.test(key)
        ? `${out === '' ? '' : '.'}${key}`
        : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

export function parseRoutingConfig(input: unknown): ParseRoutingConfigResult {
  const result = routingConfigSchema.safeParse(input);
  if (result.success) return { ok: true, config: result.data };
  return {
    ok: false,
    errors: result.error.issues.map((issue) => ({
      path: formatConfigPath(issue.path),
      message: issue.message,
    })),
  };
}

/** One line per error, for logs at start-up and the admin CLI. */
export function formatRoutingConfigErrors(errors: readonly RoutingConfigError[]): string {
  return errors
    .map(({ path, message }) => `${path === '' ? '(root)' : path}: ${message}`)
    .join('\n');
}
