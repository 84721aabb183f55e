/**
 * Failed authentications per client address in a sliding minute. Past the limit, that address gets
 * 429 on every route that needs a token until its oldest failure in the window is a minute old.
 * Tokens are 256-bit random strings, so this is not what keeps them secret: it keeps a scanner from
 * filling the log and the token lookups, and it makes one visible in `/metrics`.
 */
export class AuthFailureLimiter {
  private readonly failures = new Map<string, number[]>();
  static readonly WINDOW_MS = 60_000;

  constructor(
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before this address may try again; 0 when it may try now. */
  retryAfter(address: string): number {
    const times = this.recent(address);
    if (times.length < this.limit) return 0;
    const oldest = times[times.length - this.limit] as number;
    return Math.max(1, Math.ceil((oldest + AuthFailureLimiter.WINDOW_MS - this.now()) / 1000));
  }

  record(address: string): void {
    const times = this.recent(address);
    times.push(this.now());
    // Only the newest `limit` failures matter for the answer; older ones are dropped.
    if (times.length > this.limit) times.splice(0, times.length - this.limit);
    this.failures.set(address, times);
    if (this.failures.size > 100_000) this.sweep();
  }

  private recent(address: string): number[] {
    const since = this.now() - AuthFailureLimiter.WINDOW_MS;
    const times = (this.failures.get(address) ?? []).filter((t) => t > since);
    if (times.length === 0) this.failures.delete(address);
    return times;
  }

  private sweep(): void {
    for (const address of [...this.failures.keys()]) this.recent(address);
  }
}
