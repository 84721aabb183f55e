import type { TriggerResult } from './trigger-result.js';

export type VerdictState = 'healthy' | 'unhealthy' | 'inconclusive';

export interface Verdict {
  state: VerdictState;
  /** One line for people: why this verdict. */
  explanation: string;
  firing: TriggerResult[];
  triggers: TriggerResult[];
}

/**
 * `unhealthy` when any trigger fires on real data; otherwise `inconclusive` when any trigger could not
 * judge (missing data or failing signals: pause and page, never roll back); otherwise `healthy`.
 */
export function decideVerdict(results: TriggerResult[]): Verdict {
  const firing = results.filter((r) => r.state === 'firing');
  if (firing.length > 0) {
    return { state: 'unhealthy', explanation: firing.map((r) => `${r.severity} ${r.trigger}: ${r.explanation}`).join('; '), firing, triggers: results };
  }
  const missing = results.filter((r) => r.state === 'no_data');
  if (missing.length > 0) {
    return { state: 'inconclusive', explanation: `cannot judge: ${missing.map((r) => `${r.trigger}: ${r.explanation}`).join('; ')}`, firing, triggers: results };
  }
  if (results.length === 0) return { state: 'inconclusive', explanation: 'no triggers configured for this environment', firing, triggers: results };
  return { state: 'healthy', explanation: `${results.length} trigger(s) checked, none firing`, firing, triggers: results };
}
