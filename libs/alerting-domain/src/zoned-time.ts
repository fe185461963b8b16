// Wall-clock arithmetic in IANA zones with Intl only: the runtime's tz database is the one
// the operating system keeps current, and a tz library would be one more thing to update.

export interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

const CLOCK_FIELDS: ReadonlySet<string> = new Set([
  'year',
  'month',
  'day',
  'hour',
  'minute',
  'second',
]);

function isClockField(type: string): type is keyof WallClock {
  return CLOCK_FIELDS.has(type);
}

export function wallClockIn(timeZone: string, at: Date): WallClock {
  const clock: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(at)) {
    if (isClockField(part.type)) clock[part.type] = Number(part.value);
  }
  return clock;
}

function wallClockAsUtcMs(clock: WallClock): number {
  return Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
}

/** Offset of the zone from UTC at an instant, in minutes east of Greenwich. */
export function utcOffsetMinutes(timeZone: string, at: Date): number {
  const wholeSeconds = Math.floor(at.getTime() / 1000) * 1000;
  return (wallClockAsUtcMs(wallClockIn(timeZone, at)) - wholeSeconds) / 60_000;
}

/**
 * The instant a wall-clock time happens in a zone. A time skipped by a DST jump resolves to
 * the same distance after the jump (02:30 in a 02:00→03:00 gap is 03:30); a repeated time
 * resolves to its first occurrence.
 */
export function instantOf(clock: WallClock, timeZone: string): Date {
  const asUtc = wallClockAsUtcMs(clock);
  // Offsets lie within ±14 h, so a day either side brackets the instant and any one transition.
  const before = utcOffsetMinutes(timeZone, new Date(asUtc - DAY_MS));
  const after = utcOffsetMinutes(timeZone, new Date(asUtc + DAY_MS));
  const exact = [before, after]
    .map((offset) => asUtc - offset * 60_000)
    .filter((ms) => wallClockAsUtcMs(wallClockIn(timeZone, new Date(ms))) === asUtc)
    .sort((a, b) => a - b);
  return new Date(exact[0] ?? asUtc - before * 60_000);
}

/** Days since 1970-01-01 of a calendar date, independent of any zone. */
export function epochDay(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?$/;

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export function parseCalendarDate(value: string): CalendarDate | null {
  const match = DATE.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2025-02-30 over to March; a real date survives the round trip.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day
  ) {
    return null;
  }
  return { year, month, day };
}

export function isMonday(date: CalendarDate): boolean {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() === 1;
}

/** 'HH:MM' as minutes after midnight, or null. */
export function parseTimeOfDay(value: string): number | null {
  const match = TIME.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

/**
 * An ISO 8601 date-time with an offset ('2025-06-09T09:00+05:00', '…Z') is an instant;
 * without one ('2025-06-09T09:00') it is wall-clock time in `timeZone`, which is what a
 * person editing a rota means.
 */
export function parseDateTimeIn(value: string, timeZone: string): Date | null {
  const match = DATE_TIME.exec(value);
  if (!match) return null;
  const date = parseCalendarDate(`${match[1]}-${match[2]}-${match[3]}`);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = match[6] === undefined ? 0 : Number(match[6]);
  if (!date || hour > 23 || minute > 59 || second > 59) return null;
  const offset = match[7];
  if (offset === undefined) {
    return instantOf({ ...date, hour, minute, second }, timeZone);
  }
  const ms = Date.parse(
    `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${String(second).padStart(2, '0')}${offset}`,
  );
  return Number.isNaN(ms) ? null : new Date(ms);
}
