import { describe, expect, it } from 'vitest';
import type { TriggerConfig } from '../config/schema/triggers-schema.js';
import { evaluateTrigger } from './evaluate-trigger.js';
import { binOf, countAbove, HISTOGRAM_BINS } from '../signals/latency-histogram.js';
import type { ActiveAlert, ArmBucket, Measurements, Sample } from './measurement.js';
import { decideVerdict } from './verdict.js';

const MIN = 60_000;
const NOW = 1_800_000_000_000;

function measurements(parts: Partial<{ series: Record<string, Sample[]>; baseline: Record<string, number>; arms: Record<string, ArmBucket[]>; alerts: ActiveAlert[] }>): Measurements {
  return {
    now: NOW,
    series: (ref) => parts.series?.[ref] ?? [],
    baseline: (ref) => parts.baseline?.[ref],
    arms: (signal) => parts.arms?.[signal] ?? [],
    alerts: () => parts.alerts ?? [],
  };
}

/** One sample a minute, the last one now. */
const perMinute = (values: (number | string)[]): Sample[] =>
  values.map((v, i) => ({ at: NOW - (values.length - 1 - i) * MIN, ...(typeof v === 'number' ? { value: v } : { error: v }) }));

const errorRate5for5: TriggerConfig = { signal: 'requests.error_rate', above: { value: 0.05, unit: 'ratio' }, for: 5 * MIN, severity: 'P1' };

describe('threshold held for a duration', () => {
  it('fires once the value has stayed above for the whole duration, naming the numbers', () => {
    const series = perMinute([0.01, 0.08, 0.07, 0.09, 0.06, 0.07, 0.079]);
    series[6] = { ...series[6], numerator: 41, denominator: 519 } as Sample;
    const result = evaluateTrigger(errorRate5for5, measurements({ series: { 'requests.error_rate': series } }));
    expect(result.state).toBe('firing');
    expect(result.severity).toBe('P1');
    expect(result.explanation).toBe('requests.error_rate 7.9% (41/519) above 5% for 5m (rule: 5m)');
  });

  it('does not fire before the duration has passed, or when one minute dipped below', () => {
    expect(evaluateTrigger(errorRate5for5, measurements({ series: { 'requests.error_rate': perMinute([0.01, 0.08, 0.07, 0.09]) } })).state).toBe('ok');
    expect(evaluateTrigger(errorRate5for5, measurements({ series: { 'requests.error_rate': perMinute([0.08, 0.07, 0.04, 0.09, 0.08, 0.09, 0.1]) } })).state).toBe('ok');
  });

  it('has no data when the signal is failing or stale: never fires on missing data', () => {
    const failing = evaluateTrigger(errorRate5for5, measurements({ series: { 'requests.error_rate': perMinute([0.08, 0.08, 0.08, 0.08, 0.08, 0.08, 'timeout after 5s']) } }));
    expect(failing.state).toBe('no_data');
    expect(failing.explanation).toContain('timeout after 5s');
    const stale = evaluateTrigger(errorRate5for5, measurements({ series: { 'requests.error_rate': [{ at: NOW - 10 * MIN, value: 0.5 }] } }));
    expect(stale).toMatchObject({ state: 'no_data' });
    expect(evaluateTrigger(errorRate5for5, measurements({})).state).toBe('no_data');
  });
});

describe('count within a window', () => {
  const healthFailures: TriggerConfig = { signal: 'health.failures', above: { value: 3, unit: 'count' }, within: 5 * MIN, severity: 'P0' };
  it('fires when more than the limit happened inside the window only', () => {
    const fourRecent = perMinute([1, 1, 0, 1, 1, 1]).map((s, i) => (i === 0 ? { ...s, at: NOW - 10 * MIN } : s));
    expect(evaluateTrigger(healthFailures, measurements({ series: { 'health.failures': fourRecent } })).state).toBe('firing');
    const threeRecent = perMinute([1, 0, 0, 1, 1, 1]).map((s, i) => (i === 0 ? { ...s, at: NOW - 10 * MIN } : s));
    const ok = evaluateTrigger(healthFailures, measurements({ series: { 'health.failures': threeRecent } }));
    expect(ok.state).toBe('ok');
    expect(ok.explanation).toBe('health.failures: 3 in the last 5m, not above 3');
  });
  it('has no data when every read in the window failed', () => {
    expect(evaluateTrigger(healthFailures, measurements({ series: { 'health.failures': perMinute(['dns', 'dns']) } })).state).toBe('no_data');
  });
});

describe('ratio to the baseline', () => {
  const p95 = (forMs?: number): TriggerConfig => ({ signal: 'requests.p95', above_baseline: 0.5, severity: 'P1', ...(forMs ? { for: forMs } : {}) });
  it('fires when P95 is more than 50% above the baseline', () => {
    const result = evaluateTrigger(p95(), measurements({ series: { 'requests.p95': perMinute([420]) }, baseline: { 'requests.p95': 250 } }));
    expect(result.state).toBe('firing');
    expect(result.explanation).toBe('requests.p95 420ms vs baseline 250ms (+68%) > +50%');
    expect(evaluateTrigger(p95(), measurements({ series: { 'requests.p95': perMinute([370]) }, baseline: { 'requests.p95': 250 } })).state).toBe('ok');
  });
  it('waits for `for` when given, and has no data without a baseline', () => {
    expect(evaluateTrigger(p95(5 * MIN), measurements({ series: { 'requests.p95': perMinute([420, 430]) }, baseline: { 'requests.p95': 250 } })).state).toBe('ok');
    expect(evaluateTrigger(p95(), measurements({ series: { 'requests.p95': perMinute([420]) } })).state).toBe('no_data');
  });
});

describe('external alert', () => {
  it('fires while a matching alert fires, by name or by labels', () => {
    const alerts = [{ labels: { alertname: 'DatabaseDown', service: 'pulse' }, startsAt: NOW - MIN, summary: 'primary unreachable' }];
    const byName = evaluateTrigger({ alert: 'DatabaseDown', severity: 'P0' }, measurements({ alerts }));
    expect(byName).toMatchObject({ state: 'firing', explanation: 'alert firing: DatabaseDown: primary unreachable', since: NOW - MIN });
    expect(evaluateTrigger({ alert: { service: 'other' }, severity: 'P0' }, measurements({ alerts })).state).toBe('ok');
  });
});

describe('canary judge trigger', () => {
  const canary: TriggerConfig = { canary: ['requests.error_rate'], severity: 'P1' };
  it('explains the decision with counts and the Bayes factor', () => {
    const arms = { requests: [{ at: NOW, canary: { total: 519, errors: 41, slow: 0 }, baseline: { total: 4731, errors: 52, slow: 0 } }] };
    const result = evaluateTrigger(canary, measurements({ arms }));
    expect(result.state).toBe('firing');
    expect(result.explanation).toMatch(/^canary error rate 7\.9% \(41\/519\) vs baseline 1\.1% \(52\/4731\); Bayes factor [\d,.e+]+ ≥ 1,000$/);
  });
  it('is ok when the arms look alike and has no data without canary traffic', () => {
    const same = { requests: [{ at: NOW, canary: { total: 500, errors: 5, slow: 0 }, baseline: { total: 4500, errors: 45, slow: 0 } }] };
    expect(evaluateTrigger(canary, measurements({ arms: same })).state).toBe('ok');
    expect(evaluateTrigger(canary, measurements({})).state).toBe('no_data');
  });
  it('without concurrent baseline traffic, compares with the rate measured before the release', () => {
    const arms = { requests: Array.from({ length: 120 }, (_, i) => ({ at: NOW - (120 - i) * 1000, canary: { total: 20, errors: i % 4 === 0 ? 1 : 0, slow: 0 }, baseline: { total: 0, errors: 0, slow: 0 } })) };
    const withRateBefore = (errorRate: number) => ({ ...measurements({ arms }), baselineRates: () => ({ errorRate, slowRate: 0.05 }) });
    const bad = evaluateTrigger(canary, withRateBefore(0.002));
    expect(bad.state).toBe('firing');
    expect(bad.explanation).toMatch(/^canary error rate 1\.3% \(30\/2400\) vs baseline before release 0\.2%; Bayes factor/);
    expect(evaluateTrigger(canary, withRateBefore(0.02)).state).toBe('ok');
    expect(evaluateTrigger(canary, measurements({ arms })).state).toBe('no_data');
  });

  it('splits α across metrics and judges latency by requests slower than the baseline P95', () => {
    const arms = { requests: [{ at: NOW, canary: { total: 400, errors: 2, slow: 80 }, baseline: { total: 3600, errors: 18, slow: 180 } }] };
    const result = evaluateTrigger({ canary: ['requests.error_rate', 'requests.latency'], severity: 'P1' }, measurements({ arms }));
    expect(result.state).toBe('firing');
    expect(result.values.alpha_per_metric).toBeCloseTo(0.0005);
    expect(result.explanation).toContain('share slower than baseline P95 20% (80/400)');
  });
});

describe('canary judge memo', () => {
  it('feeds only new buckets between looks and gives exactly what a replay gives', () => {
    const trigger: TriggerConfig = { canary: ['requests.error_rate', 'requests.latency'], severity: 'P1' };
    const buckets: ArmBucket[] = [];
    const memo = new Map();
    const growing: Measurements = { ...measurements({}), arms: () => buckets, judgeMemo: memo };
    for (let second = 0; second < 400; second++) {
      const errors = second >= 250 ? 4 : second % 3 === 0 ? 1 : 0;
      buckets.push({ at: NOW + second * 1000, canary: { total: 100, errors, slow: 5 + (second % 2) }, baseline: { total: 1900, errors: 19, slow: 95 } });
      if (second % 50 !== 49) continue;
      const fed = evaluateTrigger(trigger, growing);
      const replayed = evaluateTrigger(trigger, measurements({ arms: { requests: [...buckets] } }));
      expect(fed.explanation).toBe(replayed.explanation);
      expect(fed.values).toEqual(replayed.values);
    }
    expect(evaluateTrigger(trigger, growing).state).toBe('firing');
    expect([...memo.values()].map((entry) => entry.fed)).toEqual([400, 400]);
    // Other buckets (a new release's) start over rather than continue the old test.
    const other: Measurements = { ...measurements({}), arms: () => buckets.slice(0, 100).map((b) => ({ ...b })), judgeMemo: memo };
    expect(evaluateTrigger(trigger, other).explanation).toBe(evaluateTrigger(trigger, measurements({ arms: { requests: buckets.slice(0, 100) } })).explanation);
  });
});

describe('canary judge with a latency margin (P95 +50%, sequentially)', () => {
  // Baseline latencies 50-149 ms (P95 145 ms); each canary second has the same 100 requests × a factor.
  const histogram = (factor: number) => {
    const h = new Uint32Array(HISTOGRAM_BINS);
    for (let i = 0; i < 100; i++) h[binOf((50 + i) * factor)] = (h[binOf((50 + i) * factor)] as number) + 1;
    return h;
  };
  const seconds = (factor: number, count = 10): Record<string, ArmBucket[]> => {
    const h = histogram(factor);
    const slow = countAbove(h, 145);
    return { requests: Array.from({ length: count }, (_, i) => ({ at: NOW - (count - i) * 1000, canary: { total: 100, errors: 0, slow, histogram: h }, baseline: { total: 900, errors: 0, slow: 45 } })) };
  };
  const withBaseline = (arms: Record<string, ArmBucket[]>): Measurements => ({ ...measurements({ arms }), baselineQuantile: (_signal, q) => (q === 0.95 ? 145 : 149) });
  const margin: TriggerConfig = { canary: ['requests.p95'], margin: 0.5, severity: 'P1' };

  it('fires when the new release is sure to be more than 50% slower at P95, and says against what', () => {
    const result = evaluateTrigger(margin, withBaseline(seconds(2)));
    expect(result.state).toBe('firing');
    expect(result.explanation).toMatch(/^canary P95 \+50%: [\d.]+% \(\d+\/1000\) of canary requests slower than 218ms \(baseline P95 ≤ 145ms \+ 50%\), 5% allowed; Bayes factor [\d,.e+]+ ≥ 1,000$/);
    expect(Number.isFinite(result.values['requests.p95.bayes_factor'])).toBe(true);
    expect(result.values['requests.p95.threshold_ms']).toBeCloseTo(217.5);
  });

  it('does not fire on a regression inside the margin, where the plain judge (any increase) does', () => {
    expect(evaluateTrigger(margin, withBaseline(seconds(1.3, 600))).state).toBe('ok');
    expect(evaluateTrigger({ canary: ['requests.p95'], severity: 'P1' }, withBaseline(seconds(1.3, 600))).state).toBe('firing');
  });

  it('has no data until the baseline P95 is known', () => {
    const result = evaluateTrigger(margin, measurements({ arms: seconds(2) }));
    expect(result).toMatchObject({ state: 'no_data', explanation: 'requests.p95 (P95 +50%): not enough data (no baseline P95 yet)' });
  });
});

describe('verdict', () => {
  const base = { kind: 'threshold' as const, severity: 'P1' as const, values: {}, facts: [] };
  it('is unhealthy on any firing trigger, inconclusive on missing data, healthy otherwise', () => {
    const ok = { ...base, trigger: 'a', state: 'ok' as const, explanation: 'fine' };
    const missing = { ...base, trigger: 'b', state: 'no_data' as const, explanation: 'probe failing' };
    const firing = { ...base, trigger: 'c', state: 'firing' as const, explanation: 'bad' };
    expect(decideVerdict([ok, missing, firing]).state).toBe('unhealthy');
    expect(decideVerdict([ok, missing])).toMatchObject({ state: 'inconclusive', explanation: 'cannot judge: b: probe failing' });
    expect(decideVerdict([ok]).state).toBe('healthy');
    expect(decideVerdict([]).state).toBe('inconclusive');
  });
});

describe('data that stops arriving', () => {
  const oneMinute: TriggerConfig = { signal: 'requests.error_rate', above: { value: 0.05, unit: 'ratio' }, for: MIN, severity: 'P1' };
  it('makes a threshold rule inconclusive within its own window (at least a minute), with the reason as data', () => {
    const series: Sample[] = [{ at: NOW - 90_000, value: 0.01 }];
    const result = evaluateTrigger(oneMinute, measurements({ series: { 'requests.error_rate': series } }));
    expect(result).toMatchObject({ state: 'no_data', explanation: 'requests.error_rate: last measurement is 1m30s old', missing: 'no measurement for 1m30s' });
    // The 5-minute rule still reads a 90-second-old value: its window is longer.
    expect(evaluateTrigger(errorRate5for5, measurements({ series: { 'requests.error_rate': series } })).state).toBe('ok');
  });
  it('makes the canary judge inconclusive after a minute without canary traffic', () => {
    const bucket = (at: number): ArmBucket => ({ at, canary: { total: 50, errors: 0, slow: 0 }, baseline: { total: 450, errors: 1, slow: 0 } });
    const canary: TriggerConfig = { canary: ['requests.error_rate'], severity: 'P1' };
    const flowing = Array.from({ length: 30 }, (_, i) => bucket(NOW - (30 - i) * 1000));
    expect(evaluateTrigger(canary, measurements({ arms: { requests: flowing } })).state).toBe('ok');
    const stopped = Array.from({ length: 30 }, (_, i) => bucket(NOW - 90_000 - (30 - i) * 1000));
    const result = evaluateTrigger(canary, measurements({ arms: { requests: stopped } }));
    expect(result.state).toBe('no_data');
    expect(result.explanation).toBe('requests.error_rate: no canary traffic for 1m31s');
  });
});

describe('minimum samples for threshold and baseline rules', () => {
  const p95Baseline: TriggerConfig = { signal: 'requests.p95', above_baseline: 0.5, severity: 'P1' };
  it('does not judge a P95 from ~100 requests (the seeds default rule fired at +94.9% on them), but does from 400', () => {
    const few = evaluateTrigger(p95Baseline, measurements({ series: { 'requests.p95': [{ at: NOW, value: 195, denominator: 100 }] }, baseline: { 'requests.p95': 100 } }));
    expect(few).toMatchObject({ state: 'no_data', explanation: 'requests.p95: only 100 requests behind the value; the rule needs 400 (min_samples)' });
    const enough = evaluateTrigger(p95Baseline, measurements({ series: { 'requests.p95': [{ at: NOW, value: 195, denominator: 400 }] }, baseline: { 'requests.p95': 100 } }));
    expect(enough.state).toBe('firing');
  });
  it('takes min_samples from the trigger', () => {
    const rule: TriggerConfig = { signal: 'requests.error_rate', above: { value: 0.05, unit: 'ratio' }, for: 0, severity: 'P1', min_samples: 20 };
    const sample: Sample = { at: NOW, value: 0.1, numerator: 3, denominator: 30 };
    expect(evaluateTrigger(rule, measurements({ series: { 'requests.error_rate': [sample] } })).state).toBe('firing');
    expect(evaluateTrigger({ ...rule, min_samples: 50 }, measurements({ series: { 'requests.error_rate': [sample] } })).state).toBe('no_data');
  });
});
