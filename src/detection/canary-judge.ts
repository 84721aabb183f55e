import { formatDuration } from '../core/duration.js';
import { formatPercent } from '../core/percent.js';
import { countAbove } from '../signals/latency-histogram.js';
import { formatNumber } from './describe-trigger.js';
import type { ArmBucket, JudgeMemo, Measurements } from './measurement.js';
import { SequentialCountTest } from './sequential-count-test.js';
import { factFor, type MetricFact, type TriggerResult } from './trigger-result.js';

/** A fresh comparison starts every minute, so a regression that begins late is caught as fast as one at deploy. */
export const START_EVERY_MS = 60_000;
/**
 * And one after every 50 bad requests (at most one per 1-second bucket), so that on a busy service a
 * regression that begins between two minute starts is judged from its own second, not from the next minute.
 */
export const PACED_EVERY_BAD = 50;
/** The judge's start schedule (docs/adr/0010-sequential-canary-judge.md); the benchmark runs the same one. */
export const JUDGE_STARTS = { startEvery: START_EVERY_MS, pacedEvery: PACED_EVERY_BAD } as const;

/** No canary request for this long: the judge cannot say anything about now. */
export const NO_TRAFFIC_MS = 60_000;

type Outcome = Omit<TriggerResult, 'trigger' | 'kind' | 'severity' | 'impact'>;

/** `requests.error_rate` counts errors; any latency metric counts requests slower than the baseline's P95. */
function countedAs(metric: string): 'errors' | 'slow' {
  return metric.endsWith('error_rate') || metric === 'errors' ? 'errors' : 'slow';
}

/** Latency thresholds in ms to the millisecond (formatDuration rounds to whole seconds above one). */
const ms = (value: number) => (value < 1000 ? `${Math.round(value)}ms` : `${(value / 1000).toFixed(2)}s`);

const rate = (bad: number, total: number) => `${formatPercent(total > 0 ? bad / total : 0)} (${bad}/${total})`;

/**
 * A test fed the buckets in order. With the watcher's memo, only the buckets added since the last look:
 * the watcher's buckets never change once judged, so this is the replay, without replaying a day of them
 * on every tick. Without a memo (or when the buckets are not the ones fed before), a fresh replay.
 */
function fedTest(memo: JudgeMemo | undefined, key: string, alpha: number, buckets: ArmBucket[], feed: (test: SequentialCountTest, bucket: ArmBucket) => void): SequentialCountTest {
  let entry = memo?.get(key);
  if (!entry || entry.fed > buckets.length || (entry.fed > 0 && buckets[entry.fed - 1] !== entry.last)) {
    entry = { test: new SequentialCountTest(alpha, JUDGE_STARTS), fed: 0, last: undefined };
    memo?.set(key, entry);
  }
  for (let i = entry.fed; i < buckets.length; i++) feed(entry.test, buckets[i] as ArmBucket);
  entry.fed = buckets.length;
  entry.last = buckets.at(-1);
  return entry.test;
}

/**
 * The sequential canary judge over every metric it watches, α split evenly across them (Bonferroni:
 * the chance that any one of k tests ever crosses is ≤ k · α/k). A pure function of the measurements:
 * the same buckets give the same result, whether replayed or fed through the watcher's memo.
 */
export function judgeCanary(refs: string[], m: Measurements, alpha: number, margin?: number): Outcome {
  const alphaEach = alpha / refs.length;
  const parts: string[] = [];
  const values: Record<string, number | string> = { alpha, alpha_per_metric: alphaEach };
  const facts: MetricFact[] = [];
  let firing = false;
  let missing = 0;
  for (const ref of refs) {
    const dot = ref.lastIndexOf('.');
    const signal = ref.slice(0, dot);
    const kind = countedAs(ref.slice(dot + 1));
    if (kind === 'slow' && margin !== undefined) {
      const result = judgeQuantile(ref, m, alphaEach, margin);
      parts.push(result.explanation);
      Object.assign(values, result.values);
      facts.push(result.fact);
      if (result.state === 'firing') firing = true;
      if (result.state === 'no_data') missing += 1;
      continue;
    }
    const buckets = m.arms(signal);
    // Concurrent arms (a canary) when most canary buckets also have baseline traffic; a plain deploy where
    // the old version drains for a few seconds is "before/after" and compares with the rate before.
    const both = buckets.filter((b) => b.canary.total > 0 && b.baseline.total > 0).length;
    const canaryOnly = buckets.filter((b) => b.canary.total > 0 && b.baseline.total === 0).length;
    const concurrent = both > 0 && (both >= canaryOnly || !m.baselineRates?.(signal));
    const reference = concurrent ? undefined : m.baselineRates?.(signal);
    const key = `${ref}|${alphaEach}|${reference ? `before:${reference.errorRate}:${reference.slowRate}` : 'concurrent'}`;
    const test = fedTest(m.judgeMemo, key, alphaEach, buckets, (t, bucket) => {
      const canary = { total: bucket.canary.total, bad: bucket.canary[kind] };
      if (reference) t.updateAgainstRate(canary, kind === 'errors' ? reference.errorRate : reference.slowRate, bucket.at);
      else t.update(canary, { total: bucket.baseline.total, bad: bucket.baseline[kind] }, bucket.at);
    });
    const state = test.state();
    const what = kind === 'errors' ? 'error rate' : 'share slower than baseline P95';
    const fact: MetricFact = { ...factFor(ref, m, 'ratio'), canary: { ...state.canary } };
    facts.push(fact);
    // Traffic that stops is "cannot judge" within a minute, not an "ok" frozen on the last counts.
    const lastTraffic = buckets.findLast((b) => b.canary.total > 0)?.at;
    if (!state.rejected && lastTraffic !== undefined && m.now - lastTraffic > NO_TRAFFIC_MS) {
      missing += 1;
      parts.push(`${ref}: no canary traffic for ${formatDuration(m.now - lastTraffic)}`);
      continue;
    }
    if (state.canary.total === 0 || (!concurrent && !reference)) {
      missing += 1;
      parts.push(`${ref}: not enough data (${state.canary.total} canary requests, ${concurrent ? 'baseline present' : 'no concurrent baseline traffic'})`);
      continue;
    }
    const against = reference
      ? `baseline before release ${formatPercent(kind === 'errors' ? reference.errorRate : reference.slowRate)}`
      : `baseline ${rate(state.baseline.bad, state.baseline.total)}`;
    const verdict = state.rejected ? '≥' : '<';
    parts.push(`canary ${what} ${rate(state.canary.bad, state.canary.total)} vs ${against}; Bayes factor ${formatNumber(state.bayesFactor)} ${verdict} ${formatNumber(state.threshold)}`);
    fact.observed = state.canary.total > 0 ? state.canary.bad / state.canary.total : undefined;
    if (reference) fact.baseline = kind === 'errors' ? reference.errorRate : reference.slowRate;
    else {
      fact.baselineArm = { ...state.baseline };
      fact.baseline = state.baseline.total > 0 ? state.baseline.bad / state.baseline.total : undefined;
    }
    fact.bayesFactor = state.bayesFactor;
    fact.bar = state.threshold;
    values[`${ref}.bayes_factor`] = state.bayesFactor;
    values[`${ref}.canary_bad`] = state.canary.bad;
    values[`${ref}.canary_total`] = state.canary.total;
    values[`${ref}.baseline_bad`] = state.baseline.bad;
    values[`${ref}.baseline_total`] = state.baseline.total;
    if (state.rejected) firing = true;
  }
  const explanation = parts.join('; ');
  if (firing) return { state: 'firing', explanation, values, facts };
  if (missing > 0) return { state: 'no_data', explanation, missing: explanation, values, facts };
  return { state: 'ok', explanation, values, facts };
}

/**
 * "P95 +50%" as a sequential test: the new release's q-quantile is above (1 + margin) × the baseline's
 * exactly when more than 1 − q of its requests are slower than that threshold T. Each canary request is
 * slower than T with some probability p; under "no regression beyond the margin" p ≤ 1 − q, so the
 * one-sample count test against the rate 1 − q (a supermartingale for any p at or below it) bounds the
 * false-rollback probability by α. T is fixed before the release from an upper bound of the baseline's
 * quantile, so an unlucky baseline sample cannot lower it.
 */
function judgeQuantile(ref: string, m: Measurements, alpha: number, margin: number): { state: 'firing' | 'ok' | 'no_data'; explanation: string; values: Record<string, number>; fact: MetricFact } {
  const fact = factFor(ref, m, 'ms');
  const signal = ref.slice(0, ref.lastIndexOf('.'));
  const q = ref.endsWith('.p99') ? 0.99 : 0.95;
  const name = q === 0.99 ? 'P99' : 'P95';
  const rule = `${name} +${formatPercent(margin)}`;
  const baseline = m.baselineQuantile?.(signal, q);
  if (baseline === undefined) return { state: 'no_data', explanation: `${ref} (${rule}): not enough data (no baseline ${name} yet)`, values: {}, fact };
  const threshold = (1 + margin) * baseline;
  const allowed = 1 - q;
  const test = fedTest(m.judgeMemo, `${ref}|${alpha}|margin:${margin}:${threshold}`, alpha, m.arms(signal), (t, bucket) => {
    if (bucket.canary.histogram) t.updateAgainstRate({ total: bucket.canary.total, bad: countAbove(bucket.canary.histogram, threshold) }, allowed, bucket.at);
  });
  const state = test.state();
  Object.assign(fact, { baseline, threshold, canary: { ...state.canary }, bayesFactor: state.bayesFactor, bar: state.threshold });
  if (state.canary.total === 0) return { state: 'no_data', explanation: `${ref} (${rule}): not enough data (0 canary requests)`, values: {}, fact };
  const point = m.baselinePoint?.(signal, q);
  const effective = point !== undefined && point > 0 ? `, effective +${formatPercent(threshold / point - 1)} over the measured baseline ${name} ${ms(point)}` : '';
  const explanation = `canary ${rule}: ${rate(state.canary.bad, state.canary.total)} of canary requests slower than ${ms(threshold)} (baseline ${name} ≤ ${ms(baseline)} + ${formatPercent(margin)}${effective}), ${formatPercent(allowed)} allowed; Bayes factor ${formatNumber(state.bayesFactor)} ${state.rejected ? '≥' : '<'} ${formatNumber(state.threshold)}`;
  return {
    state: state.rejected ? 'firing' : 'ok',
    explanation,
    values: { [`${ref}.bayes_factor`]: state.bayesFactor, [`${ref}.threshold_ms`]: threshold, [`${ref}.canary_above`]: state.canary.bad, [`${ref}.canary_total`]: state.canary.total },
    fact,
  };
}
