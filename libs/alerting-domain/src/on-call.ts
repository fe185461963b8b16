import { type Region, type RoutingConfig } from './routing-config';
import {
  epochDay,
  parseCalendarDate,
  parseDateTimeIn,
  parseTimeOfDay,
  wallClockIn,
} from './zoned-time';

export interface OnCall {
  primary: string;
  deputy: string;
}

function scheduledWeek(region: Region, at: Date): OnCall | null {
  const { rotation, timezone } = region;
  const start = parseCalendarDate(rotation.startsOn);
  const handover = parseTimeOfDay(rotation.handoverTime);
  if (!start || handover === null || rotation.weeks.length === 0) return null;

  const local = wallClockIn(timezone, at);
  // Before the handover the outgoing week still holds the phone: count the day as yesterday.
  let day = epochDay(local.year, local.month, local.day);
  if (local.hour * 60 + local.minute < handover) day -= 1;

  const weekNumber = Math.floor((day - epochDay(start.year, start.month, start.day)) / 7);
  // The cycle runs backwards too, so editing startsOn never leaves a gap in the past.
  const length = rotation.weeks.length;
  const week = rotation.weeks[((weekNumber % length) + length) % length];
  return week ? { primary: week.primary, deputy: week.deputy } : null;
}

/**
 * Who holds the region's on-call phone at an instant: the weekly rotation (weeks change at
 * handoverTime on Mondays, region time), then any override covering the instant. Overrides
 * are half-open [from, to). Null for an unknown region.
 */
export function onCallFor(config: RoutingConfig, regionId: string, at: Date): OnCall | null {
  const region = Object.hasOwn(config.regions, regionId) ? config.regions[regionId] : undefined;
  if (!region) return null;
  const onCall = scheduledWeek(region, at);
  if (!onCall) return null;

  for (const override of region.overrides ?? []) {
    const from = parseDateTimeIn(override.from, region.timezone);
    const to = parseDateTimeIn(override.to, region.timezone);
    if (!from || !to || at < from || at >= to) continue;
    if (override.primary !== undefined) onCall.primary = override.primary;
    if (override.deputy !== undefined) onCall.deputy = override.deputy;
  }
  return onCall;
}
