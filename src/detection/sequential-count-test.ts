/**
 * The sequential canary judge's statistic: an anytime-valid, one-sided two-arm count test.
 *
 * Each bad event (an error, or a request slower than the baseline's P95 fixed before the release)
 * comes from the canary arm or the baseline arm. Given the traffic in a bucket (n_c canary requests,
 * n_b baseline requests, canary share s = n_c / (n_c + n_b)), under "no regression" every bad event is
 * a canary one with probability s. Under "the canary is ρ times worse" it is with probability
 * θ(ρ) = ρs / (ρs + 1 − s). The likelihood ratio of the events seen so far,
 *
 *   L_ρ = Π_buckets (θ(ρ)/s)^(bad_c) · ((1 − θ(ρ))/(1 − s))^(bad_b),
 *
 * is a non-negative martingale under no regression with Poisson counts (a supermartingale with
 * binomial counts: the hypergeometric split is smaller in convex order, Hoeffding 1963). So is any
 * fixed mixture of them, the Bayes factor BF = Σ_k w_k L_ρk over a grid of ρ > 1 (Lindon & Malek 2022's
 * multinomial test with a discrete prior restricted to "canary worse"). Ville's inequality then bounds
 * P(BF ever ≥ 1/α) ≤ α however often it is looked at: the false-rollback rate. Only ρ > 1 is in the
 * mixture, so a canary that is better never rolls back. See docs/adr/0010-sequential-canary-judge.md.
 */

/** Rate ratios the mixture puts weight on, from "10% worse" to "down". */
export const DEFAULT_RHO_GRID: readonly number[] = [1.1, 1.25, 1.5, 2, 3, 5, 10, 30, 100, 1000];

export interface ArmCounts {
  /** Requests served. */
  total: number;
  /** Bad requests among them (errors, or slow requests). */
  bad: number;
}

/** What the test saw, and what it concluded; numbers for the explanation. */
export interface CountTestState {
  canary: ArmCounts;
  baseline: ArmCounts;
  bayesFactor: number;
  threshold: number;
  /** True once BF ≥ 1/α: the canary is worse, with false-rollback probability ≤ α. */
  rejected: boolean;
  /** The ρ on the grid that explains the data best (the "how much worse"). */
  bestRho: number;
}

export interface CountTestOptions {
  grid?: readonly number[] | undefined;
  /**
   * Also start a fresh comparison every `startEvery` time units (the unit of `at` in `update`), so a
   * regression that begins an hour after the deploy is not held back by the hour of good evidence
   * before it. Start j gets prior weight 1/((j+1)(j+2)) (they sum to 1), so the mixture is still a
   * test martingale and the α bound holds; dropping the weakest starts only lowers it.
   */
  startEvery?: number | undefined;
  /** At most this many starts are kept (the weakest, never the newest, are dropped). Default 12. */
  maxStarts?: number | undefined;
  /**
   * Also start a comparison after every `pacedEvery` bad events (both arms), at most one per bucket:
   * on busy services a regression that begins between two minute starts is otherwise judged by a start
   * that has up to a minute of good traffic in it. Paced starts share `pacedShare` of the later-onset
   * prior: one opened at time t gets pacedShare · ½ · (F(t) − F(t_prev)), F(t) = t / (t + startEvery)
   * (the prior chance that the regression began since the previous paced start), so all starts' weights
   * still sum to at most 1. Needs `startEvery`.
   */
  pacedEvery?: number | undefined;
  pacedShare?: number | undefined;
}

interface Start {
  logWeight: number;
  logLr: number[];
}

export class SequentialCountTest {
  private readonly grid: readonly number[];
  private readonly logGridWeight: number;
  private readonly logRho: number[];
  private readonly starts: Start[] = [];
  private readonly logNorm: number[];
  private startIndex = 0;
  private nextStartAt: number | undefined;
  private readonly startEvery: number | undefined;
  private readonly maxStarts: number;
  private readonly pacedEvery: number | undefined;
  private readonly pacedShare: number;
  private firstAt: number | undefined;
  private lastPacedAt: number | undefined;
  private badSincePaced = 0;
  readonly canary: ArmCounts = { total: 0, bad: 0 };
  readonly baseline: ArmCounts = { total: 0, bad: 0 };
  private rejectedOnce = false;
  private readonly logThreshold: number;

  constructor(
    readonly alpha: number,
    options: CountTestOptions | readonly number[] = {},
  ) {
    const opts: CountTestOptions = Array.isArray(options) ? { grid: options as readonly number[] } : (options as CountTestOptions);
    this.grid = opts.grid ?? DEFAULT_RHO_GRID;
    if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1, got ${alpha}`);
    if (this.grid.some((rho) => !(rho > 1))) throw new RangeError('every rate ratio of the grid must be above 1 (one-sided test)');
    this.logGridWeight = -Math.log(this.grid.length);
    this.logRho = this.grid.map((rho) => Math.log(rho));
    this.logNorm = this.grid.map(() => 0);
    this.startEvery = opts.startEvery;
    this.maxStarts = opts.maxStarts ?? 12;
    this.pacedEvery = opts.startEvery === undefined ? undefined : opts.pacedEvery;
    this.pacedShare = this.pacedEvery === undefined ? 0 : (opts.pacedShare ?? 0.5);
    if (!(this.pacedShare >= 0 && this.pacedShare < 1)) throw new RangeError(`pacedShare must be in [0, 1), got ${this.pacedShare}`);
    this.logThreshold = Math.log(1 / alpha);
    if (this.startEvery === undefined) this.starts.push({ logWeight: 0, logLr: this.grid.map(() => 0) });
  }

  get threshold(): number {
    return 1 / this.alpha;
  }

  /** Opens the starts due by time `at` (only with `startEvery`): minute starts, then a paced one. */
  private advance(at: number | undefined): void {
    if (this.startEvery === undefined) return;
    const now = at ?? this.nextStartAt ?? 0;
    if (this.nextStartAt === undefined) this.nextStartAt = now;
    if (this.firstAt === undefined) this.firstAt = now;
    while (now >= this.nextStartAt) {
      const j = this.startIndex++;
      // The deploy keeps ½; later minute starts give up the paced share of theirs.
      const share = j === 0 ? 1 : 1 - this.pacedShare;
      this.open(Math.log(share) - Math.log((j + 1) * (j + 2)));
      this.nextStartAt += this.startEvery;
    }
    if (this.pacedEvery !== undefined && this.badSincePaced >= this.pacedEvery && now > (this.lastPacedAt ?? this.firstAt)) {
      const F = (t: number) => (t - (this.firstAt as number)) / (t - (this.firstAt as number) + (this.startEvery as number));
      const mass = 0.5 * this.pacedShare * (F(now) - F(this.lastPacedAt ?? this.firstAt));
      if (mass > 0) this.open(Math.log(mass));
      this.lastPacedAt = now;
      this.badSincePaced = 0;
    }
  }

  private open(logWeight: number): void {
    this.starts.push({ logWeight, logLr: this.grid.map(() => 0) });
    if (this.starts.length <= this.maxStarts) return;
    let weakest = 0;
    let weakestLog = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.starts.length - 1; i++) {
      const value = this.startLog(this.starts[i] as Start);
      if (value < weakestLog) {
        weakestLog = value;
        weakest = i;
      }
    }
    this.starts.splice(weakest, 1);
  }

  private startLog(start: Start): number {
    let max = Number.NEGATIVE_INFINITY;
    for (const v of start.logLr) if (v > max) max = v;
    let sum = 0;
    for (const v of start.logLr) sum += Math.exp(v - max);
    return start.logWeight + this.logGridWeight + max + Math.log(sum);
  }

  /**
   * Adds one bucket of concurrent traffic observed at time `at` (any unit, matching `startEvery`).
   * Buckets with traffic in one arm only carry no evidence.
   */
  update(canary: ArmCounts, baseline: ArmCounts, at?: number): void {
    this.advance(at);
    this.canary.total += canary.total;
    this.canary.bad += canary.bad;
    this.baseline.total += baseline.total;
    this.baseline.bad += baseline.bad;
    this.badSincePaced += canary.bad + baseline.bad;
    if (canary.total <= 0 || baseline.total <= 0 || canary.bad + baseline.bad === 0) return;
    const s = canary.total / (canary.total + baseline.total);
    const badC = Math.min(canary.bad, canary.total);
    const badB = Math.min(baseline.bad, baseline.total);
    // log(ρs + 1 − s) is the normaliser of θ(ρ); canary events gain log ρ, every event pays the normaliser.
    for (let k = 0; k < this.grid.length; k++) this.logNorm[k] = Math.log1p(s * ((this.grid[k] as number) - 1));
    for (const start of this.starts) {
      for (let k = 0; k < this.grid.length; k++) {
        const norm = this.logNorm[k] as number;
        start.logLr[k] = (start.logLr[k] as number) + badC * ((this.logRho[k] as number) - norm) - badB * norm;
      }
    }
    this.check();
  }

  /**
   * One-sample form for "before/after" without concurrent baseline traffic: the canary's bad count in
   * a bucket is Poisson with mean total·p0 under no regression, p0 the baseline rate known before the
   * release (pass a conservative upper bound of it). L_ρ gains bad·log ρ − (ρ − 1)·total·p0.
   */
  updateAgainstRate(canary: ArmCounts, baselineRate: number, at?: number): void {
    this.advance(at);
    this.canary.total += canary.total;
    this.canary.bad += canary.bad;
    this.badSincePaced += canary.bad;
    if (canary.total <= 0 || !(baselineRate > 0)) return;
    const expected = canary.total * baselineRate;
    for (const start of this.starts) {
      for (let k = 0; k < this.grid.length; k++) {
        start.logLr[k] = (start.logLr[k] as number) + canary.bad * (this.logRho[k] as number) - ((this.grid[k] as number) - 1) * expected;
      }
    }
    this.check();
  }

  /** Cheap bound first (largest term × number of terms); the exact sum only when it could cross. */
  private check(): void {
    let max = Number.NEGATIVE_INFINITY;
    for (const start of this.starts) for (const v of start.logLr) if (v + start.logWeight > max) max = v + start.logWeight;
    if (max + this.logGridWeight + Math.log(this.starts.length * this.grid.length) < this.logThreshold) return;
    if (this.logBayesFactor() >= this.logThreshold) this.rejectedOnce = true;
  }

  logBayesFactor(): number {
    let max = Number.NEGATIVE_INFINITY;
    const logs = this.starts.map((start) => this.startLog(start));
    for (const v of logs) if (v > max) max = v;
    if (max === Number.NEGATIVE_INFINITY) return 0;
    let sum = 0;
    for (const v of logs) sum += Math.exp(v - max);
    return max + Math.log(sum);
  }

  /** Once rejected, stays rejected: the guarantee is about ever crossing, so we stop at the first crossing. */
  get rejected(): boolean {
    return this.rejectedOnce;
  }

  state(): CountTestState {
    let bestRho = this.grid[0] as number;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (const start of this.starts) {
      start.logLr.forEach((v, k) => {
        if (v + start.logWeight > bestValue) {
          bestValue = v + start.logWeight;
          bestRho = this.grid[k] as number;
        }
      });
    }
    return {
      canary: { ...this.canary },
      baseline: { ...this.baseline },
      bayesFactor: Math.exp(this.starts.length > 0 ? this.logBayesFactor() : 0),
      threshold: this.threshold,
      rejected: this.rejected,
      bestRho,
    };
  }
}

/**
 * Wald's SPRT for a known ρ: the expected log-likelihood-ratio gain per bad event is the KL divergence
 * KL(Bern(θ(ρ)) ‖ Bern(s)); the expected number of bad events to reach log(1/α) is log(1/α) / KL
 * (ignoring overshoot, Wald 1945). No test that does not know ρ in advance can be faster on average.
 */
export function sprtExpectedBadEvents(rho: number, canaryShare: number, alpha: number): number {
  const s = canaryShare;
  const theta = (rho * s) / (rho * s + 1 - s);
  const kl = theta * Math.log(theta / s) + (theta < 1 ? (1 - theta) * Math.log((1 - theta) / (1 - s)) : 0);
  return Math.log(1 / alpha) / kl;
}
