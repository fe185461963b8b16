// The shared vocabulary comes from the contracts; type-only imports, so this lib loads none
// of their code at run time.
import type { Custody } from '@beacon/case-domain';
import type { Channel, EventName, Language, LifecycleEventName, Urgency } from '@beacon/events';

export type { Channel, Custody, EventName, LifecycleEventName, Urgency };

/** Facts about the case itself: the events a message can be about. */
export type CaseFactEventName = Exclude<EventName, LifecycleEventName>;

/** Languages of every message (DOMAIN.md, Languages). Uzbek is written in Latin script. */
export type Locale = Language;

// Records rather than arrays, so the compiler notices when a contract grows a member.
const URGENCY_RANK: Readonly<Record<Urgency, number>> = { routine: 0, high: 1, critical: 2 };
const CHANNEL_SET: Readonly<Record<Channel, true>> = { email: true, sms: true, webhook: true };
const LOCALE_SET: Readonly<Record<Locale, true>> = {
  en: true,
  ru: true,
  kk: true,
  uz: true,
  ky: true,
};

const keysOf = <K extends string>(record: Readonly<Record<K, unknown>>): readonly K[] =>
  Object.freeze(Object.keys(record) as K[]);

/** In rising order. */
export const URGENCIES: readonly Urgency[] = keysOf(URGENCY_RANK);
export const CHANNELS: readonly Channel[] = keysOf(CHANNEL_SET);
export const LOCALES: readonly Locale[] = keysOf(LOCALE_SET);

export function urgencyRank(urgency: Urgency): number {
  return URGENCY_RANK[urgency];
}
