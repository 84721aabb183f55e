import { PACED_EVERY_BAD } from '../../src/detection/canary-judge.js';
import { SequentialCountTest } from '../../src/detection/sequential-count-test.js';

/** One step of simulated traffic over [start, end) seconds: requests and bad requests per arm. */
export interface Step {
  start: number;
  end: number;
  canaryN: number;
  canaryBad: number;
  baseN: number;
  baseBad: number;
}

/** A detector sees the stream one step at a time and says whether it calls a rollback now. */
export interface Detector {
  readonly name: string;
  step(s: Step): boolean;
}

/**
 * The seeds' rule: canary error rate over each whole minute > 5%, five minutes in a row. It can never
 * fire before 5 minutes.
 */
export class SeedsRule implements Detector {
  readonly name = 'seeds: >5% for 5 min';
  private n = 0;
  private bad = 0;
  private minuteEnd = 60;
  private streak = 0;
  step(s: Step): boolean {
    this.n += s.canaryN;
    this.bad += s.canaryBad;
    if (s.end < this.minuteEnd) return false;
    const rate = this.n > 0 ? this.bad / this.n : 0;
    this.streak = rate > 0.05 ? this.streak + 1 : 0;
    this.n = 0;
    this.bad = 0;
    this.minuteEnd += 60;
    return this.streak >= 5;
  }
}

/**
 * Argo Rollouts-style AnalysisRun: a measurement every 1-minute interval (the canary's error ratio
 * over that minute), `successCondition: result <= 0.05`, `failureLimit: 2` (fails on the 3rd failed
 * measurement, not necessarily consecutive).
 */
export class ArgoInterval implements Detector {
  readonly name = 'Argo: 1m interval, failureLimit 2';
  private n = 0;
  private bad = 0;
  private minuteEnd = 60;
  private failures = 0;
  step(s: Step): boolean {
    this.n += s.canaryN;
    this.bad += s.canaryBad;
    if (s.end < this.minuteEnd) return false;
    if (this.n > 0 && this.bad / this.n > 0.05) this.failures += 1;
    this.n = 0;
    this.bad = 0;
    this.minuteEnd += 60;
    return this.failures > 2;
  }
}

/** Standard normal upper tail. */
export function upperTail(z: number): number {
  // Abramowitz & Stegun 26.2.17, |error| < 7.5e-8.
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const d = 0.3989422804014327 * Math.exp((-z * z) / 2);
  const p = d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return z >= 0 ? p : 1 - p;
}

/**
 * One-sided Mann-Whitney U (canary > baseline), normal approximation with tie correction: the test
 * Kayenta's NetflixACAJudge uses per metric.
 */
export function mannWhitneyGreater(canary: number[], baseline: number[]): number {
  const n1 = canary.length;
  const n2 = baseline.length;
  if (n1 === 0 || n2 === 0) return 1;
  const all = canary.map((v) => ({ v, c: 1 })).concat(baseline.map((v) => ({ v, c: 0 })));
  all.sort((a, b) => a.v - b.v);
  let rankSumCanary = 0;
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && (all[j + 1] as { v: number }).v === (all[i] as { v: number }).v) j++;
    const rank = (i + j + 2) / 2;
    const size = j - i + 1;
    tieTerm += size ** 3 - size;
    for (let k = i; k <= j; k++) if ((all[k] as { c: number }).c === 1) rankSumCanary += rank;
    i = j + 1;
  }
  const u = rankSumCanary - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return 1;
  return upperTail((u - (n1 * n2) / 2 - 0.5) / Math.sqrt(variance));
}

/**
 * Kayenta-style judgment: every minute, Mann-Whitney on the two arms' error-rate series (10-second
 * points) over the last 5 minutes, failing when the canary is higher at the 95% confidence level
 * (Kayenta's default). A fixed-sample test repeated every minute: its error rate adds up.
 */
export class KayentaMannWhitney implements Detector {
  readonly name = 'Kayenta: Mann-Whitney each min (95%)';
  private readonly canary: number[] = [];
  private readonly base: number[] = [];
  private acc = { cn: 0, cb: 0, bn: 0, bb: 0 };
  private pointEnd = 10;
  private minuteEnd = 60;
  constructor(private readonly confidence = 0.95) {}
  step(s: Step): boolean {
    this.acc.cn += s.canaryN;
    this.acc.cb += s.canaryBad;
    this.acc.bn += s.baseN;
    this.acc.bb += s.baseBad;
    if (s.end >= this.pointEnd) {
      if (this.acc.cn > 0) this.canary.push(this.acc.cb / this.acc.cn);
      if (this.acc.bn > 0) this.base.push(this.acc.bb / this.acc.bn);
      if (this.canary.length > 30) this.canary.shift();
      if (this.base.length > 30) this.base.shift();
      this.acc = { cn: 0, cb: 0, bn: 0, bb: 0 };
      this.pointEnd += 10;
    }
    if (s.end < this.minuteEnd) return false;
    this.minuteEnd += 60;
    return mannWhitneyGreater(this.canary, this.base) < 1 - this.confidence;
  }
}

/** The server's start schedule (canary-judge.ts) in the benchmark's seconds: every minute, and after every 50 bad requests. */
export const JUDGE_STARTS_IN_SECONDS = { startEvery: 60, pacedEvery: PACED_EVERY_BAD } as const;

/** ripcord's sequential canary judge (src/detection/sequential-count-test.ts), checked every step. */
export class SequentialJudge implements Detector {
  readonly name = 'ripcord sequential judge';
  private readonly test: SequentialCountTest;
  constructor(alpha = 0.001) {
    this.test = new SequentialCountTest(alpha, JUDGE_STARTS_IN_SECONDS);
  }
  step(s: Step): boolean {
    this.test.update({ total: s.canaryN, bad: s.canaryBad }, { total: s.baseN, bad: s.baseBad }, s.start);
    return this.test.rejected;
  }
}

/**
 * The benchmark's yardstick, simulated: a one-sided SPRT that knows the true rate ratio and when the
 * regression starts, looking at every step like the others. Its median shows what the looks' spacing and
 * the overshoot alone cost, next to Wald's continuous-time limit.
 */
export class OracleSprt implements Detector {
  readonly name = 'SPRT (knows ρ and onset)';
  private llr = 0;
  private readonly logRho: number;
  private readonly threshold: number;
  constructor(
    private readonly rho: number,
    private readonly onset: number,
    alpha: number,
  ) {
    this.logRho = Math.log(rho);
    this.threshold = Math.log(1 / alpha);
  }
  step(s: Step): boolean {
    if (s.start < this.onset || s.canaryN <= 0 || s.baseN <= 0) return false;
    const share = s.canaryN / (s.canaryN + s.baseN);
    const norm = Math.log1p(share * (this.rho - 1));
    this.llr += s.canaryBad * (this.logRho - norm) - s.baseBad * norm;
    return this.llr >= this.threshold;
  }
}
