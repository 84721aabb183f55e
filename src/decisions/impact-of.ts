import type { MetricFact } from '../detection/trigger-result.js';
import type { Verdict } from '../detection/verdict.js';
import type { Impact } from './policy.js';

/** The error rate a fact shows: only an `error_rate` metric counts, however its signal or trigger is named. */
function errorRateOf(fact: MetricFact): number | undefined {
  if (fact.metric !== 'error_rate' || fact.unit !== 'ratio') return undefined;
  if (fact.canary && fact.canary.total > 0) return fact.canary.bad / fact.canary.total;
  return fact.observed;
}

/**
 * The "Impact" column of the seeds' matrix, from the firing triggers' structured facts: the trigger's
 * declared `impact:`, the worst error rate an `error_rate` metric showed, a P0 on a health probe (the
 * service does not answer), and the share of traffic on the new release. Names and explanations are
 * never read: renaming a signal or a trigger cannot change a decision.
 */
export function impactOf(verdict: Verdict, traffic?: { canary: number; all: number }): Impact {
  let errorRate: number | undefined;
  let probeDown = false;
  for (const result of verdict.firing) {
    for (const fact of result.facts) {
      const rate = errorRateOf(fact);
      if (rate !== undefined) errorRate = Math.max(errorRate ?? 0, rate);
      if (result.severity === 'P0' && fact.signalKind === 'http') probeDown = true;
    }
  }
  const impacts = verdict.firing.map((r) => r.impact);
  return {
    serviceDown: impacts.includes('service_down') || probeDown || (errorRate !== undefined && errorRate >= 0.5),
    dataLoss: impacts.includes('data_loss'),
    majorFeatureBroken: impacts.includes('major_feature'),
    errorRate,
    usersAffected: traffic && traffic.all > 0 ? traffic.canary / traffic.all : undefined,
  };
}
