/**
 * Requests per second per caller, in one-second windows: enough to stop a runaway app from starving
 * the others, cheap enough to sit on every OFREP evaluation.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { second: number; count: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** 0 when allowed; otherwise the seconds to wait (for Retry-After). */
  take(caller: string): number {
    const ms = this.now();
    const second = Math.floor(ms / 1000);
    const window = this.windows.get(caller);
    if (!window || window.second !== second) {
      if (this.windows.size > 10_000) this.windows.clear();
      this.windows.set(caller, { second, count: 1 });
      return 0;
    }
    window.count += 1;
    return window.count > this.perSecond ? Math.max(1, Math.ceil((second + 1) * 1000 - ms) / 1000) : 0;
  }
}
