import { z } from 'zod';
import { durationField, percentField, quantityField, severityField } from './fields.js';

/** `<signal>.<metric>`, e.g. `requests.error_rate`; checked against the environment's signals later. */
const metricRef = z
  .string({ error: 'expected a metric reference like requests.error_rate' })
  .regex(/^[a-z0-9][a-z0-9._-]*\.[a-z0-9_]+$/, { error: 'expected a metric reference like requests.error_rate' });

const common = {
  /** Shown in explanations and the timeline; defaults to a description of the rule. */
  name: z.string().min(1).optional(),
  severity: severityField,
  /**
   * What it means for people when this fires (the seeds' "Impact" column): `service_down` and
   * `data_loss` make the decision P0 (immediate rollback); `major_feature` makes it "assess".
   */
  impact: z.enum(['service_down', 'data_loss', 'major_feature', 'minor']).optional(),
  /**
   * Threshold and baseline rules: the fewest requests behind a value for the rule to judge it (default 100
   * for a rate, 400 for a P95/P99); below, the rule is inconclusive, not firing.
   */
  min_samples: z.number().int().min(1).optional(),
};

/** "Error rate > 5% for 5 consecutive minutes". */
const thresholdTrigger = z.strictObject({ ...common, signal: metricRef, above: quantityField, for: durationField });

/** "Health check failures > 3 in 5 minutes", "bug reports > 10 in 1 hour". */
const countTrigger = z.strictObject({ ...common, signal: metricRef, above: quantityField, within: durationField });

/** "P95 +50%" against the baseline (previous) release. */
const baselineTrigger = z.strictObject({
  ...common,
  signal: metricRef,
  above_baseline: percentField,
  for: durationField.optional(),
});

/** The sequential canary judge: anytime-valid comparison of canary and baseline. */
const canaryTrigger = z.strictObject({
  ...common,
  canary: z.array(metricRef).min(1, { error: 'name at least one metric for the canary judge' }),
  /** α: the bound on the probability of rolling back a good release. */
  false_rollback_rate: percentField.optional(),
  /**
   * For latency metrics: how much slower counts as a regression. With `margin: 50%` the judge rolls back
   * once it is sure the new release's P95 (P99 for `p99`) is more than 50% above the baseline's: the seeds'
   * "P95 +50%" as a sequential test. Without it, any increase counts (requests slower than the baseline P95).
   */
  margin: percentField.optional(),
});

/** An external alert (Alertmanager) that fires the trigger while it is firing. */
const alertTrigger = z.strictObject({
  ...common,
  alert: z.union([z.string().min(1), z.record(z.string(), z.string())]),
});

export const triggerSchema = z.union([thresholdTrigger, countTrigger, baselineTrigger, canaryTrigger, alertTrigger]);

export type TriggerConfig = z.output<typeof triggerSchema>;
export type TriggerKind = 'threshold' | 'count' | 'baseline' | 'canary' | 'alert';

export function triggerKind(trigger: TriggerConfig): TriggerKind {
  if ('canary' in trigger) return 'canary';
  if ('alert' in trigger) return 'alert';
  if ('above_baseline' in trigger) return 'baseline';
  if ('within' in trigger) return 'count';
  return 'threshold';
}
