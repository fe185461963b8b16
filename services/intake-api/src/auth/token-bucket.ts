/**
 * A token bucket: `ratePerSecond` tokens flow in, up to `burst`. Pure: time comes in as `nowMs`.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.updatedAt = nowMs;
  }

  /** Takes `cost` tokens, or says how many seconds to wait until they are there. */
  take(cost: number, nowMs: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const elapsed = Math.max(0, nowMs - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSecond);
    this.updatedAt = nowMs;
    if (cost <= this.tokens) {
      this.tokens -= cost;
      return { ok: true };
    }
    const missing = Math.min(cost, this.burst) - this.tokens;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(missing / this.ratePerSecond)) };
  }
}
