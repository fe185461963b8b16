/** Pure helpers of the console page: no DOM, so they are unit-tested under Node. */

const pad = (n: number) => String(n).padStart(2, '0');

/** "14:05" for 14 min 5 s, "1:02:03" past an hour; the sign is the caller's to show. */
export function clock(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

/** A duration in seconds as "4 min 12 s", "2 h 5 min" or "38 s"; unit names stay short and neutral. */
export function duration(seconds: number | null): string | null {
  if (seconds === null || !Number.isFinite(seconds)) return null;
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The reference read out on the phone, computed as the dispatcher does (32-bit FNV-1a of the uuid). */
export function caseRefOf(caseId: string): string {
  let hash = 0x811c9dc5;
  const text = caseId.trim().toLowerCase();
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `BCN-${String((hash >>> 0) % 1_000_000).padStart(6, '0')}`;
}

const URGENCY_RANK: Record<string, number> = { critical: 0, high: 1, routine: 2 };

export interface SortableAlert {
  urgency: string;
  acknowledgedAt: string | null;
  deadlineAt?: string | null;
  raisedAt: string;
}

/** Most urgent first; within an urgency the ones nobody has taken, then the nearest deadline, then the oldest. */
export function compareAlerts(a: SortableAlert, b: SortableAlert): number {
  const rank = (URGENCY_RANK[a.urgency] ?? 9) - (URGENCY_RANK[b.urgency] ?? 9);
  if (rank !== 0) return rank;
  const taken = Number(a.acknowledgedAt !== null) - Number(b.acknowledgedAt !== null);
  if (taken !== 0) return taken;
  const due = (x: SortableAlert) => (x.deadlineAt ? Date.parse(x.deadlineAt) : Number.POSITIVE_INFINITY);
  if (due(a) !== due(b)) return due(a) - due(b);
  return Date.parse(a.raisedAt) - Date.parse(b.raisedAt);
}

export type Catalogue = Readonly<Record<string, string>>;

/** The message in the chosen catalogue, else in English, else the key itself; `{name}` filled in. */
export function translate(
  chosen: Catalogue | null,
  fallback: Catalogue,
  key: string,
  params: Readonly<Record<string, string | number>> = {},
): string {
  const template = chosen?.[key] ?? fallback[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Locales the console offers; those without a catalogue of their own read English. */
export const LOCALES = ['en', 'ru', 'kk', 'uz', 'ky'] as const;
export const CATALOGUED: readonly string[] = ['en', 'ru'];

export function pickLocale(wanted: readonly string[]): (typeof LOCALES)[number] {
  for (const tag of wanted) {
    const base = tag.toLowerCase().split('-')[0];
    const hit = LOCALES.find((l) => l === base);
    if (hit) return hit;
  }
  return 'en';
}
