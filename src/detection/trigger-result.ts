import type { Severity } from '../config/schema/fields.js';

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
  explanation: string;
  /** The numbers behind the explanation, for `--json`, the API and the decision record. */
  values: Record<string, number | string>;
  /** For a firing threshold: since when the condition has held (epoch ms). */
  since?: number | undefined;
}
