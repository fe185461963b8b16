import { recipientsForTier, type TierRecipients } from './recipients';
import { type RoutingConfig } from './routing-config';
import { type Urgency } from './types';

const MINUTE_MS = 60_000;

/** When a tier paged at `pagedAt` must have been acknowledged; null when nothing follows it. */
export function ackDeadline(pagedAt: Date, ackTimeoutMinutes: number | null): Date | null {
  if (ackTimeoutMinutes === null) return null;
  return new Date(pagedAt.getTime() + Math.round(ackTimeoutMinutes * MINUTE_MS));
}

export interface EscalationStep {
  toTier: number;
  tier: TierRecipients;
  /** When the step after this one is due, if the alert is still not acknowledged. */
  dueAt: Date | null;
}

/**
 * The next tier of an alert not acknowledged in time, resolved with the routing in force now
 * (the rota may have changed hands since the alert was raised). Null when the alert is
 * already at its policy's last tier or the region is no longer configured.
 */
export function planEscalation(
  config: RoutingConfig,
  regionId: string,
  urgency: Urgency,
  fromTier: number,
  now: Date,
): EscalationStep | null {
  const toTier = fromTier + 1;
  const tier = recipientsForTier(config, regionId, urgency, toTier, now);
  if (!tier) return null;
  return { toTier, tier, dueAt: ackDeadline(now, tier.ackTimeoutMinutes) };
}
