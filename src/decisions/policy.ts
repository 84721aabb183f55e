import { type Severity, SEVERITIES } from '../config/schema/fields.js';
import type { PolicyAction, PolicyEntry } from '../config/schema/policy-schema.js';
import { formatDuration } from '../core/duration.js';
import { formatPercent } from '../core/percent.js';
import type { Verdict } from '../detection/verdict.js';

/** What the bad release does to people: the "Impact" column of the seeds' matrix. */
export interface Impact {
  serviceDown: boolean;
  dataLoss: boolean;
  /** Worst error rate seen by a firing trigger (0..1), when known. */
  errorRate?: number | undefined;
  /** Share of users affected (0..1): the canary share, or 1 after a full deploy. */
  usersAffected?: number | undefined;
  majorFeatureBroken: boolean;
}

export interface PolicyDecision {
  severity: Severity;
  action: PolicyAction;
  /** Milliseconds from now to act by; undefined for "next deploy". */
  deadlineMs?: number | undefined;
  /** Who must approve (from the matrix), when the action waits for a person. */
  approval?: string | undefined;
  /** The path through the decision tree, in words with numbers. */
  explanation: string;
}

const rank = (severity: Severity) => SEVERITIES.indexOf(severity);
const worst = (a: Severity, b: Severity): Severity => (rank(a) <= rank(b) ? a : b);

/**
 * Seed 002's decision tree, then its matrix (or the team's own, from `policy:` in ripcord.yaml):
 * service down or data loss → P0, immediate rollback; error rate > 5% → P1, rollback within 15 min;
 * major feature broken → assess (rollback after a person approves); otherwise the triggers' own
 * severity. The severity is never lowered below the worst firing trigger's.
 * Returns undefined unless the verdict is `unhealthy`: missing data pauses and pages, it never acts.
 */
export function decide(verdict: Verdict, impact: Impact, matrix: Record<Severity, PolicyEntry>): PolicyDecision | undefined {
  if (verdict.state !== 'unhealthy' || verdict.firing.length === 0) return undefined;
  const triggerSeverity = verdict.firing.map((r) => r.severity).reduce(worst);
  const reasons: string[] = [`worst firing trigger is ${triggerSeverity} (${verdict.firing.map((r) => r.trigger).join(', ')})`];
  let severity = triggerSeverity;
  let assess = false;
  if (impact.serviceDown || impact.dataLoss) {
    severity = 'P0';
    reasons.push(impact.serviceDown ? 'service is down' : 'data is being lost');
  } else if (impact.errorRate !== undefined && impact.errorRate > 0.05) {
    severity = worst(severity, 'P1');
    reasons.push(`error rate ${formatPercent(impact.errorRate)} > 5%`);
  } else if (impact.majorFeatureBroken) {
    severity = worst(severity, 'P1');
    assess = triggerSeverity !== 'P0';
    reasons.push('a major feature is broken: assess fix forward or rollback');
  }
  if (impact.usersAffected !== undefined) reasons.push(`${formatPercent(impact.usersAffected)} of users on the new release`);

  const entry = matrix[severity];
  let action: PolicyAction = entry.action;
  if (action === 'rollback' && (entry.approval || assess)) action = 'rollback_after_approval';
  const deadlineMs = typeof entry.within === 'number' ? entry.within : undefined;
  const when = deadlineMs !== undefined ? `within ${formatDuration(deadlineMs)}` : 'in the next deploy';
  const approval = entry.approval ?? (action === 'rollback_after_approval' ? 'operator' : undefined);
  const what = action === 'rollback_after_approval' ? `rollback after approval${approval ? ` by ${approval}` : ''}` : action.replace('_', ' ');
  return {
    severity,
    action,
    deadlineMs,
    approval,
    explanation: `${severity}: ${reasons.join('; ')} → ${what} ${when}`,
  };
}
