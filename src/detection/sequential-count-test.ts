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

export class SequentialCountTest {
  private readonly logWeights: number[];
  private readonly logLr: number[];
  private readonly logRho: number[];
  readonly canary: ArmCounts = { total: 0, bad: 0 };
  readonly baseline: ArmCounts = { total: 0, bad: 0 };
  private rejectedOnce = false;

  constructor(
    readonly alpha: number,
    readonly grid: readonly number[] = DEFAULT_RHO_GRID,
  ) {
    if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1, got ${alpha}`);
    if (grid.some((rho) => !(rho > 1))) throw new RangeError('every rate ratio of the grid must be above 1 (one-sided test)');
    this.logWeights = grid.map(() => -Math.log(grid.length));
    this.logLr = grid.map(() => 0);
    this.logRho = grid.map((rho) => Math.log(rho));
  }

  get threshold(): number {
    return 1 / this.alpha;
  }

  /** Adds one bucket of concurrent traffic. Buckets with traffic in one arm only carry no evidence. */
  update(canary: ArmCounts, baseline: ArmCounts): void {
    this.canary.total += canary.total;
    this.canary.bad += canary.bad;
    this.baseline.total += baseline.total;
    this.baseline.bad += baseline.bad;
    if (canary.total <= 0 || baseline.total <= 0 || canary.bad + baseline.bad === 0) return;
    const s = canary.total / (canary.total + baseline.total);
    const badC = Math.min(canary.bad, canary.total);
    const badB = Math.min(baseline.bad, baseline.total);
    for (let k = 0; k < this.logLr.length; k++) {
      // log(ρs + 1 − s) is the normaliser of θ(ρ); canary events gain log ρ, every event pays the normaliser.
      const logNorm = Math.log1p(s * ((this.grid[k] as number) - 1));
      this.logLr[k] = (this.logLr[k] as number) + badC * ((this.logRho[k] as number) - logNorm) - badB * logNorm;
    }
    if (this.logBayesFactor() >= Math.log(this.threshold)) this.rejectedOnce = true;
  }

  /**
   * One-sample form for "before/after" without concurrent baseline traffic: the canary's bad count in
   * a bucket is Poisson with mean total·p0 under no regression, p0 the baseline rate known before the
   * release (pass a conservative upper bound of it). L_ρ gains bad·log ρ − (ρ − 1)·total·p0.
   */
  updateAgainstRate(canary: ArmCounts, baselineRate: number): void {
    this.canary.total += canary.total;
    this.canary.bad += canary.bad;
    if (canary.total <= 0 || !(baselineRate > 0)) return;
    const expected = canary.total * baselineRate;
    for (let k = 0; k < this.logLr.length; k++) {
      this.logLr[k] = (this.logLr[k] as number) + canary.bad * (this.logRho[k] as number) - ((this.grid[k] as number) - 1) * expected;
    }
    if (this.logBayesFactor() >= Math.log(this.threshold)) this.rejectedOnce = true;
  }

  logBayesFactor(): number {
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < this.logLr.length; k++) max = Math.max(max, (this.logLr[k] as number) + (this.logWeights[k] as number));
    let sum = 0;
    for (let k = 0; k < this.logLr.length; k++) sum += Math.exp((this.logLr[k] as number) + (this.logWeights[k] as number) - max);
    return max + Math.log(sum);
  }

  /** Once rejected, stays rejected: the guarantee is about ever crossing, so we stop at the first crossing. */
  get rejected(): boolean {
    return this.rejectedOnce;
  }

  state(): CountTestState {
    let best = 0;
    for (let k = 1; k < this.logLr.length; k++) if ((this.logLr[k] as number) > (this.logLr[best] as number)) best = k;
    return {
      canary: { ...this.canary },
      baseline: { ...this.baseline },
      bayesFactor: Math.exp(this.logBayesFactor()),
      threshold: this.threshold,
      rejected: this.rejected,
      bestRho: this.grid[best] as number,
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
