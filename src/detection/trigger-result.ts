import type { Severity } from '../config/schema/fields.js';
import type { Measurements } from './measurement.js';

/** A request count on one side of a comparison: `bad` of `total` (errors, or requests over a threshold). */
export interface ArmCount {
  bad: number;
  total: number;
}

/**
 * What a trigger read about one metric, as data: what the policy, impact, incident reports and recovery
 * metrics use. Nothing downstream parses an explanation or a name: the metric is the source's own
 * vocabulary (`error_rate`, `p95`, `failures`…), never something a user typed.
 */
export interface MetricFact {
  /** `<signal>.<metric>` as configured. */
  ref: string;
  /** The configured signal name: a label only, never interpreted. */
  signal: string;
  /** The source's kind (`http`, `ingest`, `prometheus`, `sentry`…), when the watcher knows it. */
  signalKind?: string | undefined;
  /** The source's metric: `error_rate`, `p95`, `failures`, … */
  metric: string;
  unit: 'ratio' | 'ms' | 'count';
  /** The newest value the rule compared (a ratio 0..1, milliseconds or a count). */
  observed?: number | undefined;
  /** The value it was compared with: the configured limit, or the effective one (baseline × margin). */
  threshold?: number | undefined;
  /** The baseline's value, when the rule compares with one. */
  baseline?: number | undefined;
  /** Counts behind the observation: the canary (or the whole release) and, for a comparison, the baseline. */
  canary?: ArmCount | undefined;
  baselineArm?: ArmCount | undefined;
  /** For the canary judge: the Bayes factor and the bar it has to reach (1/α per metric). */
  bayesFactor?: number | undefined;
  bar?: number | undefined;
}

/** What the trigger's `impact:` declares, carried so the policy reads it from the result, not the config. */
export type TriggerImpact = 'service_down' | 'data_loss' | 'major_feature' | 'minor';

/**
 * One trigger's state at one moment. `firing` carries the severity and the numbers; `no_data` means
 * the trigger could not judge (missing or failing signal, not enough traffic): the verdict becomes
 * `inconclusive`, never `unhealthy`.
 */
export interface TriggerResult {
  /** Stable id within the environment: the configured name, or a description of the rule. */
  trigger: string;
  kind: 'threshold' | 'count' | 'baseline' | 'canary' | 'alert';
  severity: Severity;
  state: 'firing' | 'ok' | 'no_data';
  /** Words for people, rendered from `facts`; never read back by code. */
  explanation: string;
  /** The structured facts behind the result, one per metric the trigger read. */
  facts: MetricFact[];
  impact?: TriggerImpact | undefined;
  /** For `no_data`: why, in the source's words ("Prometheus unreachable: ECONNREFUSED", "no measurements yet"). */
  missing?: string | undefined;
  /** The numbers behind the explanation, for `--json`, the API and the decision record. */
  values: Record<string, number | string>;
  /** For a firing threshold: since when the condition has held (epoch ms). */
  since?: number | undefined;
}

/** Splits `<signal>.<metric>` at the last dot: a signal name may contain dots, a metric never does. */
export function splitRef(ref: string): { signal: string; metric: string } {
  const dot = ref.lastIndexOf('.');
  return { signal: ref.slice(0, dot), metric: ref.slice(dot + 1) };
}

/** The fact about one metric, before the numbers: which signal, which of its metrics, of what kind and unit. */
export function factFor(ref: string, m: Pick<Measurements, 'signalKind'>, unit: MetricFact['unit']): MetricFact {
  const { signal, metric } = splitRef(ref);
  const kind = m.signalKind?.(signal);
  return { ref, signal, metric, unit, ...(kind ? { signalKind: kind } : {}) };
}
