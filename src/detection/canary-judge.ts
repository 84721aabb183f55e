import { formatPercent } from '../core/percent.js';
import { formatNumber } from './describe-trigger.js';
import type { Measurements } from './measurement.js';
import { SequentialCountTest } from './sequential-count-test.js';
import type { TriggerResult } from './trigger-result.js';

/** A fresh comparison starts every minute, so a regression that begins late is caught as fast as one at deploy. */
export const START_EVERY_MS = 60_000;
/**
 * And one after every 50 bad requests (at most one per 1-second bucket), so that on a busy service a
 * regression that begins between two minute starts is judged from its own second, not from the next minute.
 */
export const PACED_EVERY_BAD = 50;
/** The judge's start schedule (docs/adr/0010-sequential-canary-judge.md); the benchmark runs the same one. */
export const JUDGE_STARTS = { startEvery: START_EVERY_MS, pacedEvery: PACED_EVERY_BAD } as const;

type Outcome = Omit<TriggerResult, 'trigger' | 'kind' | 'severity'>;

/** `requests.error_rate` counts errors; any latency metric counts requests slower than the baseline's P95. */
function countedAs(metric: string): 'errors' | 'slow' {
  return metric.endsWith('error_rate') || metric === 'errors' ? 'errors' : 'slow';
}

const rate = (bad: number, total: number) => `${formatPercent(total > 0 ? bad / total : 0)} (${bad}/${total})`;

/**
 * The sequential canary judge over every metric it watches, α split evenly across them (Bonferroni:
 * the chance that any one of k tests ever crosses is ≤ k · α/k). Replays the buckets each time, so it
 * is a pure function of the measurements: a few thousand buckets × 10 grid points is microseconds.
 */
export function judgeCanary(refs: string[], m: Measurements, alpha: number): Outcome {
  const alphaEach = alpha / refs.length;
  const parts: string[] = [];
  const values: Record<string, number | string> = { alpha, alpha_per_metric: alphaEach };
  let firing = false;
  let missing = 0;
  for (const ref of refs) {
    const dot = ref.lastIndexOf('.');
    const signal = ref.slice(0, dot);
    const kind = countedAs(ref.slice(dot + 1));
    const test = new SequentialCountTest(alphaEach, JUDGE_STARTS);
    const buckets = m.arms(signal);
    // Concurrent arms (a canary) when most canary buckets also have baseline traffic; a plain deploy where
    // the old version drains for a few seconds is "before/after" and compares with the rate before.
    const both = buckets.filter((b) => b.canary.total > 0 && b.baseline.total > 0).length;
    const canaryOnly = buckets.filter((b) => b.canary.total > 0 && b.baseline.total === 0).length;
    const concurrent = both > 0 && (both >= canaryOnly || !m.baselineRates?.(signal));
    const reference = concurrent ? undefined : m.baselineRates?.(signal);
    for (const bucket of buckets) {
      const canary = { total: bucket.canary.total, bad: bucket.canary[kind] };
      if (reference) test.updateAgainstRate(canary, kind === 'errors' ? reference.errorRate : reference.slowRate, bucket.at);
      else test.update(canary, { total: bucket.baseline.total, bad: bucket.baseline[kind] }, bucket.at);
    }
    const state = test.state();
    const what = kind === 'errors' ? 'error rate' : 'share slower than baseline P95';
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
    values[`${ref}.bayes_factor`] = state.bayesFactor;
    values[`${ref}.canary_bad`] = state.canary.bad;
    values[`${ref}.canary_total`] = state.canary.total;
    values[`${ref}.baseline_bad`] = state.baseline.bad;
    values[`${ref}.baseline_total`] = state.baseline.total;
    if (state.rejected) firing = true;
  }
  const explanation = parts.join('; ');
  if (firing) return { state: 'firing', explanation, values };
  if (missing > 0) return { state: 'no_data', explanation, values };
  return { state: 'ok', explanation, values };
}
