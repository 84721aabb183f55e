import type { Incident } from './incident.js';

/** The seeds' targets (seed 000, 002, 003): MTTD < 5 min, MTTR < 15 min, RTO < 15 min, RPO < 5 min, rollback success 100%. */
export const RECOVERY_TARGETS = {
  mttdMs: 5 * 60_000,
  mttaMs: 5 * 60_000,
  timeToDecideMs: 2 * 60_000,
  timeToRollbackMs: 10 * 60_000,
  mttrMs: 15 * 60_000,
  rtoMs: 15 * 60_000,
  rpoMs: 5 * 60_000,
  rollbackSuccessRate: 1,
  falsePositiveRate: 0.05,
} as const;

export interface MetricLine {
  name: string;
  value: number | null;
  unit: 'ms' | 'ratio' | 'count';
  target: number | null;
  /** Whether the value meets its target; null when there is no data or no target. */
  meetsTarget: boolean | null;
  samples: number;
}

export interface RecoveryMetrics {
  period: { from: string; to: string };
  incidents: number;
  bySeverity: Record<string, number>;
  metrics: MetricLine[];
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

function span(from: string | undefined, to: string | undefined): number | undefined {
  return from && to ? Date.parse(to) - Date.parse(from) : undefined;
}

/** When the rollback's action was done (its first non-verify step succeeded): verification starts there. */
function actionDoneAt(incident: Incident): string | undefined {
  return incident.timeline.find((t) => t.kind === 'rollback_step' && / succeeded/.test(t.text) && !t.text.startsWith('Step verify'))?.at;
}

function firstAt(incident: Incident, kind: string, contains?: string): string | undefined {
  return incident.timeline.find((t) => t.kind === kind && (!contains || t.text.includes(contains)))?.at;
}

function line(name: string, values: (number | undefined)[], unit: MetricLine['unit'], target: number | null, lowerIsBetter = true): MetricLine {
  const present = values.filter((v): v is number => v !== undefined);
  const value = mean(present);
  const meetsTarget = value === null || target === null ? null : lowerIsBetter ? value < target : value >= target;
  return { name, value, unit, target, meetsTarget, samples: present.length };
}

/**
 * Computes the numbers the seeds ask for from incident milestones and timelines. `releases` is the number
 * of releases the ledger recorded in the same scope and period (for the change failure rate).
 */
export function computeRecoveryMetrics(incidents: Incident[], releases: number, period: { from: string; to: string }): RecoveryMetrics {
  const inPeriod = incidents.filter((i) => {
    const at = i.milestones.detected ?? '';
    return at >= period.from && at <= period.to;
  });
  const bySeverity: Record<string, number> = { P0: 0, P1: 0, P2: 0, P3: 0 };
  for (const i of inPeriod) bySeverity[i.severity] = (bySeverity[i.severity] ?? 0) + 1;
  const rollbacks = inPeriod.flatMap((i) => i.rollbacks);
  const finished = rollbacks.filter((r) => r.outcome !== undefined);
  const m = (i: Incident) => i.milestones;
  const metrics: MetricLine[] = [
    line('mttd', inPeriod.map((i) => span(m(i).started, m(i).detected)), 'ms', RECOVERY_TARGETS.mttdMs),
    line('mtta', inPeriod.map((i) => span(m(i).detected, m(i).acknowledged)), 'ms', RECOVERY_TARGETS.mttaMs),
    line('time_to_decide', inPeriod.map((i) => span(m(i).detected, firstAt(i, 'decision'))), 'ms', RECOVERY_TARGETS.timeToDecideMs),
    line('time_to_rollback', finished.map((r) => r.durationMs), 'ms', RECOVERY_TARGETS.timeToRollbackMs),
    line('mttv', inPeriod.map((i) => span(actionDoneAt(i), firstAt(i, 'verification', 'passed'))), 'ms', null),
    line('mttr', inPeriod.map((i) => span(m(i).detected, m(i).mitigated)), 'ms', RECOVERY_TARGETS.mttrMs),
    line('total_recovery_time', inPeriod.map((i) => span(m(i).started ?? m(i).detected, m(i).resolved)), 'ms', RECOVERY_TARGETS.rtoMs),
    line('rpo', inPeriod.map((i) => (i.impact.dataLoss === undefined ? undefined : i.impact.dataLoss ? Number.POSITIVE_INFINITY : 0)), 'ms', RECOVERY_TARGETS.rpoMs),
    line('rollback_success_rate', finished.length ? [finished.filter((r) => r.outcome === 'succeeded').length / finished.length] : [], 'ratio', RECOVERY_TARGETS.rollbackSuccessRate, false),
    line('false_positive_rate', rollbacks.length ? [rollbacks.filter((r) => r.unnecessary).length / rollbacks.length] : [], 'ratio', RECOVERY_TARGETS.falsePositiveRate),
    line('change_failure_rate', releases > 0 ? [inPeriod.length / releases] : [], 'ratio', null),
  ];
  return { period, incidents: inPeriod.length, bySeverity, metrics };
}

/** A plain table for `ripcord metrics`. */
export function formatRecoveryMetrics(r: RecoveryMetrics): string {
  const show = (v: number | null, unit: MetricLine['unit']) =>
    v === null ? '—' : unit === 'ms' ? (!Number.isFinite(v) ? 'data lost' : Math.abs(v) < 60_000 ? `${(v / 1000).toFixed(1)} s` : `${(v / 60_000).toFixed(1)} min`) : unit === 'ratio' ? `${(v * 100).toFixed(1)}%` : String(v);
  const rows = r.metrics.map((l) => {
    const verdict = l.meetsTarget === null ? '' : l.meetsTarget ? 'meets target' : 'MISSES target';
    const target = l.target === null ? '—' : `${l.unit === 'ratio' && l.name === 'rollback_success_rate' ? '≥ ' : '< '}${show(l.target, l.unit)}`;
    return `${l.name.padEnd(22)} ${show(l.value, l.unit).padEnd(12)} ${target.padEnd(12)} ${verdict} (n=${l.samples})`;
  });
  const sev = Object.entries(r.bySeverity).map(([k, v]) => `${k}=${v}`).join(' ');
  return [`Incidents ${r.period.from} → ${r.period.to}: ${r.incidents} (${sev})`, `${'metric'.padEnd(22)} ${'value'.padEnd(12)} ${'target'.padEnd(12)} verdict`, ...rows, ''].join('\n');
}
