import { parseSeverity, type Severity } from './schema/fields.js';
import type { IncidentsConfig, PersonConfig } from './schema/incidents-schema.js';
import type { EscalationConfig } from './schema/notify-schema.js';
import type { EnvironmentConfig } from './schema/config-schema.js';
import type { PolicyEntry } from './schema/policy-schema.js';
import type { FlagTriggerConfig, TriggerConfig } from './schema/triggers-schema.js';

export interface EscalationPolicy {
  steps: { after: number; to: string[] }[];
  repeat: number;
  ackTimeout?: number;
}

/** A validated config with the seeds' defaults filled in: what the rest of ripcord reads. */
export interface EnvironmentPlan extends Omit<EnvironmentConfig, 'triggers' | 'escalation'> {
  name: string;
  triggers: TriggerConfig[];
  /** True when `triggers` came from the seeds' defaults rather than the file. */
  defaultTriggers: boolean;
  /** `{ flag: …, canary: [errors] }` entries of `triggers`: judged per flag variant, never by release detection. */
  flagTriggers: FlagTriggerConfig[];
  escalation?: EscalationPolicy;
}

export interface RipcordConfig {
  service: string;
  policy: Record<Severity, PolicyEntry>;
  environments: Record<string, EnvironmentPlan>;
  /** Who can be paged (top-level `people:`). */
  people?: Record<string, PersonConfig> | undefined;
  /** How incidents run (top-level `incidents:`), with per-severity escalation normalised. */
  incidents?: IncidentsPlan | undefined;
}

export interface IncidentsPlan extends Omit<IncidentsConfig, 'escalation'> {
  escalation: Partial<Record<Severity, EscalationPolicy>>;
}

export function normalizeIncidents(incidents: IncidentsConfig | undefined): IncidentsPlan | undefined {
  if (!incidents) return undefined;
  const { escalation, ...rest } = incidents;
  const bySeverity: Partial<Record<Severity, EscalationPolicy>> = {};
  for (const [key, policy] of Object.entries(escalation ?? {})) {
    const severity = parseSeverity(key);
    const normalized = normalizeEscalation(policy);
    if (severity && normalized) bySeverity[severity] = normalized;
  }
  return { ...rest, escalation: bySeverity };
}

export function normalizeEscalation(escalation: EscalationConfig | undefined): EscalationPolicy | undefined {
  if (!escalation) return undefined;
  const list = Array.isArray(escalation) ? escalation : escalation.steps;
  return {
    steps: list.map((step) => ({ after: step.after, to: Array.isArray(step.to) ? step.to : [step.to] })),
    repeat: Array.isArray(escalation) ? 0 : (escalation.repeat ?? 0),
    ...(!Array.isArray(escalation) && escalation.ack_timeout !== undefined ? { ackTimeout: escalation.ack_timeout } : {}),
  };
}
