// Limits failed sign-ins per e-mail and per client address over a sliding window, in memory: one process
// serves a chain of sites, and a restart forgetting the counts only gives an attacker one more window.

export interface ThrottleOptions {
  maxFailures: number;
  windowMs: number;
}

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly options: ThrottleOptions = { maxFailures: 10, windowMs: 15 * 60_000 }) {}

  /** Seconds to wait before another attempt for any of these keys, or 0 when attempts are allowed. */
  retryAfterSeconds(keys: string[], now = Date.now()): number {
    let wait = 0;
    for (const key of keys) {
      const recent = this.recent(key, now);
      if (recent.length >= this.options.maxFailures) {
        const oldest = recent[recent.length - this.options.maxFailures] ?? now;
        wait = Math.max(wait, Math.ceil((oldest + this.options.windowMs - now) / 1000));
      }
    }
    return wait;
  }

  recordFailure(keys: string[], now = Date.now()): void {
    for (const key of keys) this.failures.set(key, [...this.recent(key, now), now]);
    if (this.failures.size > 10_000) this.prune(now);
  }

  recordSuccess(keys: string[]): void {
    for (const key of keys) this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => t > now - this.options.windowMs);
  }

  private prune(now: number): void {
    for (const key of [...this.failures.keys()]) {
      const recent = this.recent(key, now);
      if (recent.length === 0) this.failures.delete(key);
      else this.failures.set(key, recent);
    }
  }
}
