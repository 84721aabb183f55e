import type { Quantity } from '../config/schema/fields.js';
import { type TriggerConfig, triggerKind } from '../config/schema/triggers-schema.js';
import { formatDuration } from '../core/duration.js';
import { formatPercent } from '../core/percent.js';
import { judgeCanary } from './canary-judge.js';
import { describeTrigger, formatNumber, formatQuantity } from './describe-trigger.js';
import type { Measurements, Sample } from './measurement.js';
import { factFor, type TriggerResult } from './trigger-result.js';

/** A series whose newest sample is older than this cannot say anything about now. */
export const STALE_AFTER_MS = 3 * 60_000;

type Threshold = Extract<TriggerConfig, { for: number; above: Quantity }>;
type Count = Extract<TriggerConfig, { within: number }>;
type Baseline = Extract<TriggerConfig, { above_baseline: number }>;
type Canary = Extract<TriggerConfig, { canary: string[] }>;
type Alert = Extract<TriggerConfig, { alert: unknown }>;

/** Pure: the same trigger and measurements always give the same result. */
export function evaluateTrigger(trigger: TriggerConfig, m: Measurements, defaultAlpha = 0.001): TriggerResult {
  const base = { trigger: describeTrigger(trigger), severity: trigger.severity, ...(trigger.impact ? { impact: trigger.impact } : {}) };
  switch (triggerKind(trigger)) {
    case 'threshold':
      return { ...base, kind: 'threshold', ...threshold(trigger as Threshold, m) };
    case 'count':
      return { ...base, kind: 'count', ...count(trigger as Count, m) };
    case 'baseline':
      return { ...base, kind: 'baseline', ...baseline(trigger as Baseline, m) };
    case 'canary': {
      const t = trigger as Canary;
      return { ...base, kind: 'canary', ...judgeCanary(t.canary, m, t.false_rollback_rate ?? defaultAlpha, t.margin) };
    }
    case 'alert':
      return { ...base, kind: 'alert', ...alert(trigger as Alert, m) };
  }
}

type Outcome = Omit<TriggerResult, 'trigger' | 'kind' | 'severity' | 'impact'>;


const countsOf = (sample: Sample) => (sample.numerator !== undefined && sample.denominator !== undefined ? { canary: { bad: sample.numerator, total: sample.denominator } } : {});

function formatValue(sample: Sample, unit: Quantity['unit']): string {
  const value = sample.value ?? 0;
  const text = formatQuantity({ value, unit });
  return sample.numerator !== undefined && sample.denominator !== undefined ? `${text} (${sample.numerator}/${sample.denominator})` : text;
}

/** Newest usable sample, or why there is none. */
function latest(samples: Sample[], now: number, staleAfter = STALE_AFTER_MS): { sample: Sample } | { missing: string; reason: string } {
  const last = samples[samples.length - 1];
  if (!last) return { missing: 'no measurements yet', reason: 'no measurements yet' };
  if (now - last.at > staleAfter) return { missing: `last measurement is ${formatDuration(now - last.at)} old`, reason: `no measurement for ${formatDuration(now - last.at)}` };
  if (last.error !== undefined || last.value === undefined) return { missing: `signal failing: ${last.error ?? 'no value'}`, reason: last.error ?? 'no value' };
  return { sample: last };
}

/**
 * The fewest requests behind a value before a rule judges it: a rate from 100 requests is within a few
 * points; a P95 from 100 requests rests on its 5 slowest (the seeds' P95 rule fired at "+94.9%" on ~100
 * requests when the truth was +50%), from 400 on its 20 slowest.
 */
export const DEFAULT_MIN_SAMPLES = { ratio: 100, quantile: 400 } as const;

function tooFew(ref: string, sample: Sample, unit: Quantity['unit'], configured: number | undefined): string | undefined {
  if (sample.denominator === undefined) return undefined;
  const needed = configured ?? (unit === 'ms' ? DEFAULT_MIN_SAMPLES.quantile : unit === 'ratio' ? DEFAULT_MIN_SAMPLES.ratio : 0);
  return sample.denominator < needed ? `${ref}: only ${sample.denominator} requests behind the value; the rule needs ${needed} (min_samples)` : undefined;
}

/**
 * Data that stops arriving is "cannot judge" within the rule's own window (at least a minute, at most
 * STALE_AFTER_MS), not after minutes of a healthy verdict built on the last value.
 */
const staleAfter = (windowMs: number | undefined) => Math.min(STALE_AFTER_MS, Math.max(60_000, windowMs ?? STALE_AFTER_MS));

/** Since when every sample has satisfied `holds`, walking back from the newest; undefined if the newest does not. */
function heldSince(samples: Sample[], holds: (value: number) => boolean): number | undefined {
  let since: number | undefined;
  for (let i = samples.length - 1; i >= 0; i--) {
    const sample = samples[i] as Sample;
    if (sample.error !== undefined || sample.value === undefined || !holds(sample.value)) break;
    since = sample.at;
  }
  return since;
}

function threshold(t: Threshold, m: Measurements): Outcome {
  const samples = m.series(t.signal);
  const found = latest(samples, m.now, staleAfter(t.for));
  const fact = factFor(t.signal, m, t.above.unit);
  if ('missing' in found) return { state: 'no_data', explanation: `${t.signal}: ${found.missing}`, missing: found.reason, values: {}, facts: [{ ...fact, threshold: t.above.value }] };
  const { sample } = found;
  const facts = [{ ...fact, observed: sample.value ?? 0, threshold: t.above.value, ...countsOf(sample) }];
  const few = tooFew(t.signal, sample, t.above.unit, t.min_samples);
  if (few) return { state: 'no_data', explanation: few, missing: few, values: { value: sample.value ?? 0, requests: sample.denominator ?? 0 }, facts };
  const since = heldSince(samples, (value) => value > t.above.value);
  const now = `${t.signal} ${formatValue(sample, t.above.unit)}`;
  const values = { value: sample.value ?? 0, above: t.above.value, for_ms: t.for };
  if (since === undefined) return { state: 'ok', explanation: `${now}, not above ${formatQuantity(t.above)}`, values, facts };
  const held = m.now - since;
  if (held >= t.for) {
    return {
      state: 'firing',
      since,
      explanation: `${now} above ${formatQuantity(t.above)} for ${formatDuration(held)} (rule: ${formatDuration(t.for)})`,
      values: { ...values, held_ms: held },
      facts,
    };
  }
  return { state: 'ok', since, explanation: `${now} above ${formatQuantity(t.above)} for ${formatDuration(held)} of the ${formatDuration(t.for)} the rule needs`, values: { ...values, held_ms: held }, facts };
}

function count(t: Count, m: Measurements): Outcome {
  const inWindow = m.series(t.signal).filter((sample) => sample.at > m.now - t.within && sample.at <= m.now);
  const good = inWindow.filter((sample) => sample.error === undefined && sample.value !== undefined);
  const fact = { ...factFor(t.signal, m, t.above.unit), threshold: t.above.value };
  if (inWindow.length > 0 && good.length === 0) {
    const error = inWindow[inWindow.length - 1]?.error ?? 'no value';
    return { state: 'no_data', explanation: `${t.signal}: signal failing: ${error}`, missing: error, values: {}, facts: [fact] };
  }
  const total = good.reduce((sum, sample) => sum + (sample.value ?? 0), 0);
  const facts = [{ ...fact, observed: total }];
  const text = `${t.signal}: ${formatNumber(total)} in the last ${formatDuration(t.within)}`;
  const values = { count: total, above: t.above.value, within_ms: t.within };
  return total > t.above.value
    ? { state: 'firing', explanation: `${text} > ${formatQuantity(t.above)}`, values, facts }
    : { state: 'ok', explanation: `${text}, not above ${formatQuantity(t.above)}`, values, facts };
}

function baseline(t: Baseline, m: Measurements): Outcome {
  const samples = m.series(t.signal);
  const found = latest(samples, m.now, staleAfter(t.for));
  const unit = m.metricUnit?.(t.signal) ?? (t.signal.endsWith('rate') ? 'ratio' : 'ms');
  const fact = factFor(t.signal, m, unit);
  if ('missing' in found) return { state: 'no_data', explanation: `${t.signal}: ${found.missing}`, missing: found.reason, values: {}, facts: [fact] };
  const reference = m.baseline(t.signal);
  if (reference === undefined || !(reference > 0)) return { state: 'no_data', explanation: `${t.signal}: no baseline value yet to compare with`, missing: 'no baseline value yet', values: {}, facts: [fact] };
  const limit = reference * (1 + t.above_baseline);
  const value = found.sample.value ?? 0;
  const facts = [{ ...fact, observed: value, baseline: reference, threshold: limit, ...countsOf(found.sample) }];
  const few = tooFew(t.signal, found.sample, unit, t.min_samples);
  if (few) return { state: 'no_data', explanation: few, missing: few, values: { value, requests: found.sample.denominator ?? 0 }, facts };
  const change = value / reference - 1;
  const text = `${t.signal} ${formatQuantity({ value, unit })} vs baseline ${formatQuantity({ value: reference, unit })} (${change >= 0 ? '+' : ''}${formatPercent(change)})`;
  const values = { value, baseline: reference, change, above_baseline: t.above_baseline };
  if (value <= limit) return { state: 'ok', explanation: `${text}, within +${formatPercent(t.above_baseline)}`, values, facts };
  const since = heldSince(samples, (v) => v > limit) ?? found.sample.at;
  const held = m.now - since;
  if (t.for !== undefined && held < t.for) {
    return { state: 'ok', since, explanation: `${text} for ${formatDuration(held)} of the ${formatDuration(t.for)} the rule needs`, values, facts };
  }
  return { state: 'firing', since, explanation: `${text} > +${formatPercent(t.above_baseline)}`, values, facts };
}

function matches(labels: Record<string, string>, want: string | Record<string, string>): boolean {
  if (typeof want === 'string') return labels.alertname === want;
  return Object.entries(want).every(([key, value]) => labels[key] === value);
}

function alert(t: Alert, m: Measurements): Outcome {
  const firing = m.alerts().filter((a) => matches(a.labels, t.alert as string | Record<string, string>));
  if (firing.length === 0) return { state: 'ok', explanation: 'no matching alert firing', values: { firing: 0 }, facts: [] };
  const names = firing.map((a) => a.labels.alertname ?? 'alert').join(', ');
  const summary = firing[0]?.summary ? `: ${firing[0].summary}` : '';
  return { state: 'firing', since: Math.min(...firing.map((a) => a.startsAt)), explanation: `alert firing: ${names}${summary}`, values: { firing: firing.length }, facts: [] };
}
