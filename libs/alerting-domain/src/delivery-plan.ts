import { type DeliveryMode } from './routing-config';
import { type ChannelAddress, type Recipient } from './recipients';
import { type Channel } from './types';

/** The channels a message goes out on when it is decided. */
export function initialChannels(recipient: Recipient, mode: DeliveryMode): ChannelAddress[] {
  switch (mode) {
    case 'parallel':
      return [...recipient.channels];
    case 'failover':
      return recipient.channels.slice(0, 1);
  }
}

/**
 * Where a message goes next when a send on one of its channels failed: the first of the
 * recipient's channels (the tier's, then their own others) not tried yet, so SMTP refusing
 * moves the page to SMS. Null when every channel is already in use.
 */
export function nextFailover(
  recipient: Pick<Recipient, 'channels' | 'fallbacks'>,
  used: readonly Channel[],
): ChannelAddress | null {
  return (
    [...recipient.channels, ...recipient.fallbacks].find((c) => !used.includes(c.channel)) ?? null
  );
}

export interface RetryPolicy {
  baseMs: number;
  capMs: number;
  maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  baseMs: 1_000,
  capMs: 300_000,
  maxAttempts: 12,
};

/**
 * Wait before retrying after `attempt` failures: exponential, capped, with "equal jitter" (half
 * fixed, half random) so retries after a shared outage spread out yet never come back at once.
 */
export function retryDelayMs(
  attempt: number,
  random: () => number,
  policy: Pick<RetryPolicy, 'baseMs' | 'capMs'> = DEFAULT_RETRY_POLICY,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
