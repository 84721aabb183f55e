import type { SequentialCountTest } from './sequential-count-test.js';

/**
 * What signals yield and triggers read. A failed read is a sample with an `error`, never an exception:
 * triggers turn it into "no data", and the verdict into `inconclusive` (pause and page, never roll back).
 */
export interface Sample {
  /** Epoch ms. */
  at: number;
  value?: number | undefined;
  error?: string | undefined;
  /** For ratios: the counts behind the value ("41/519"), so explanations can name them. */
  numerator?: number | undefined;
  denominator?: number | undefined;
}

/** One time bucket of concurrent traffic, per arm: what the canary judge counts. */
export interface ArmBucket {
  at: number;
  /** `histogram`: the canary's latency histogram (latency-histogram.ts bins), when a margin test needs it. */
  canary: { total: number; errors: number; slow: number; histogram?: ArrayLike<number> | undefined };
  baseline: { total: number; errors: number; slow: number };
}

/**
 * The canary judge's tests per metric, with how many buckets each has been fed: kept by the watcher per
 * release so that a tick feeds only new buckets (judged buckets never change).
 */
export type JudgeMemo = Map<string, { test: SequentialCountTest; fed: number; last: ArmBucket | undefined }>;

/** An external alert (Alertmanager) as the alert trigger sees it. */
export interface ActiveAlert {
  labels: Record<string, string>;
  startsAt: number;
  summary?: string | undefined;
}

/**
 * The view a trigger evaluates: everything is read through it, so triggers stay pure functions of
 * measurements (same input, same result) and are tested without I/O.
 */
export interface Measurements {
  now: number;
  /** Samples of `<signal>.<metric>`, oldest first. */
  series(ref: string): Sample[];
  /** The baseline's value of a metric (previous release, or the stable arm), when known. */
  baseline(ref: string): number | undefined;
  /** Canary vs baseline buckets for a request signal, oldest first. */
  arms(signal: string): ArmBucket[];
  /**
   * Before/after mode (no concurrent baseline): the baseline's error rate and slow share, measured
   * before the release, as conservative upper bounds.
   */
  baselineRates?(signal: string): { errorRate: number; slowRate: number } | undefined;
  /**
   * The baseline's latency quantile q (0.95 for P95), fixed before the release (or from the stable arm's
   * first minutes), as a one-sided 99% upper bound: what a `margin` test multiplies.
   */
  baselineQuantile?(signal: string, q: number): number | undefined;
  /** The baseline's measured quantile q (point estimate), for showing the effective margin. */
  baselinePoint?(signal: string, q: number): number | undefined;
  /** The kind of source a configured signal is (`http`, `ingest`, …): carried into the trigger's facts. */
  signalKind?(signal: string): string | undefined;
  /** The unit of `<signal>.<metric>` as its source declares it. */
  metricUnit?(ref: string): 'ratio' | 'ms' | 'count' | undefined;
  /** Where the canary judge keeps its tests between looks (the watcher's, per release); none: replay. */
  judgeMemo?: JudgeMemo | undefined;
  alerts(): ActiveAlert[];
}
