import { z } from 'zod';
import { type DetentionAuthority } from './codes';
import { code, notesSchema, placeSchema, reportContextSchema } from './common-schemas';
import { type EventName } from './event-names';
import { CURRENT_VERSIONS } from './event-type';
import { type EventData } from './payload-schemas';

/** Lifts one payload from `fromVersion` to `fromVersion + 1`; chained until the current version. */
export interface Upcaster {
  readonly name: EventName;
  readonly fromVersion: number;
  /** The payload as producers wrote it at `fromVersion`. */
  readonly schema: z.ZodType;
  /** A payload as written at `fromVersion`, kept so every upcaster stays exercised. */
  readonly example: unknown;
  readonly upcast: (data: unknown) => unknown;
}

function defineUpcaster<S extends z.ZodType>(upcaster: {
  name: EventName;
  fromVersion: number;
  schema: S;
  example: z.input<S>;
  upcast: (data: z.output<S>) => unknown;
}): Upcaster {
  const { upcast, schema } = upcaster;
  // Callers validate with `schema` before upcasting; parsing again keeps the cast honest.
  return { ...upcaster, upcast: (data) => upcast(schema.parse(data)) };
}

const detentionReportedV1 = z.strictObject({
  context: reportContextSchema,
  place: placeSchema,
  authority: z.string().min(1).max(100),
  statedReason: code('statedReason').optional(),
  witnesses: z.number().int().min(0).max(10_000).optional(),
  notes: notesSchema,
});

// What operators typed into v1's free "authority" field, normalised; anything else becomes 'other'.
const AUTHORITY_SYNONYMS: ReadonlyMap<string, DetentionAuthority> = new Map(
  Object.entries({
    police: ['police', 'militia', 'полиция', 'милиция', 'politsiya', 'polisiya', 'district police'],
    'security-service': [
      'security service',
      'security services',
      'national security committee',
      'knb',
      'gknb',
      'snb',
      'nss',
      'кнб',
      'гкнб',
      'снб',
      'служба национальной безопасности',
      'комитет национальной безопасности',
    ],
    'migration-service': [
      'migration service',
      'migration police',
      'migration',
      'миграционная полиция',
      'миграционная служба',
    ],
    'unidentified-armed-men': [
      'unidentified armed men',
      'unidentified men',
      'unknown armed men',
      'armed men',
      'masked men',
      'masked armed men',
      'men in masks',
      'люди в масках',
      'неизвестные',
      'вооруженные люди',
    ],
  } satisfies Record<Exclude<DetentionAuthority, 'other'>, string[]>).flatMap(
    ([authority, names]) => names.map((name) => [name, authority as DetentionAuthority] as const),
  ),
);

export function authorityFromFreeText(text: string): DetentionAuthority {
  const normalised = text
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[\s_-]+/g, ' ')
    .trim();
  return AUTHORITY_SYNONYMS.get(normalised) ?? 'other';
}

export const UPCASTERS: readonly Upcaster[] = [
  defineUpcaster({
    name: 'detention-reported',
    fromVersion: 1,
    schema: detentionReportedV1,
    example: {
      context: {
        personRef: 'p_Hk3v9QxTz1LmN8aB',
        reportedAt: '2009-03-12T00:20:00Z',
        sourceRole: 'family',
        reliability: 'credible',
        channel: 'call',
        language: 'ru',
        recordedBy: 'op-almaty-07',
        region: 'almaty',
        timeBand: 'night',
      },
      place: { region: 'almaty', district: 'alatau' },
      authority: 'Люди в масках',
      witnesses: 3,
    },
    upcast: (v1): EventData<'detention-reported'> => ({
      context: v1.context,
      place: v1.place,
      authority: authorityFromFreeText(v1.authority),
      // v1 did not ask how the person was taken.
      manner: 'other',
      statedReason: v1.statedReason ?? 'unknown',
      ...(v1.witnesses === undefined ? {} : { witnesses: v1.witnesses }),
      ...(v1.notes === undefined ? {} : { notes: v1.notes }),
    }),
  }),
];

export function findUpcaster(name: EventName, fromVersion: number): Upcaster | undefined {
  return UPCASTERS.find(
    (upcaster) => upcaster.name === name && upcaster.fromVersion === fromVersion,
  );
}

/** True when `version` of `name` can be read: the current one, or an older one with a full upcaster chain. */
export function isReadableVersion(name: EventName, version: number): boolean {
  const current = CURRENT_VERSIONS[name];
  if (version > current) return false;
  for (let v = version; v < current; v += 1) {
    if (findUpcaster(name, v) === undefined) return false;
  }
  return true;
}
