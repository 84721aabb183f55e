import type { EnvironmentPlan, RipcordConfig } from '../config/ripcord-config.js';
import { ManualClock } from '../core/clock.js';
import { EventBus } from '../core/events.js';
import type { Decision, DecisionRepository } from '../decisions/decision.js';
import { DecisionService } from '../decisions/decision-service.js';
import type { Release } from '../deployments/release.js';
import { AlertStore } from '../signals/alert-store.js';
import { OutcomeAggregator, type OutcomeRollup } from '../signals/outcome-aggregator.js';
import { signalKind } from '../signals/signal-registry.js';
import { describeTrigger } from './describe-trigger.js';
import { DetectionService } from './detection-service.js';

/** What one past release would have met under the candidate plan. */
export interface BacktestRow {
  releaseId: string;
  version: string;
  deployedAt: string;
  /** How long it served (until the next release, or now), capped at the replay horizon. */
  replayedMs: number;
  /** Triggers that would have fired, with when (ms after the deploy). */
  fired: { trigger: string; severity: string; afterMs: number; explanation: string }[];
  decision?: { severity: string; action: string; afterMs: number; explanation: string } | undefined;
  /** What happened in fact: rolled back (by ripcord or a person) or not. */
  actual: 'rolled_back' | 'kept';
  outcome: 'caught' | 'would_roll_back_a_kept_release' | 'missed' | 'quiet';
}

export interface BacktestReport {
  environment: string;
  rows: BacktestRow[];
  /** Triggers left out because their signals cannot be replayed (probes, Prometheus, alerts, Sentry…). */
  skipped: string[];
  totals: { releases: number; wouldRollBack: number; caught: number; missed: number; falseRollbacks: number; medianDetectionMs?: number | undefined };
}

class MemoryDecisions implements DecisionRepository {
  readonly all: Decision[] = [];
  async insert(d: Decision) {
    this.all.push(d);
  }
  async get(id: string) {
    return this.all.find((d) => d.id === id);
  }
  async settle() {
    return false;
  }
  async list() {
    return this.all;
  }
}

const ROLLBACK_ACTIONS = new Set(['rollback', 'rollback_after_approval']);

/**
 * Replays the recorded request outcomes (the store's per-second rollups) of past releases through a
 * candidate plan's triggers and policy, as the watcher would have seen them, tick by tick. Only triggers on
 * ingest signals can be replayed: the others are listed in `skipped`.
 */
export async function backtest(options: { config: RipcordConfig; environment: string; releases: Release[]; rollups: OutcomeRollup[]; now: number; tickMs?: number; horizonMs?: number }): Promise<BacktestReport> {
  const plan = options.config.environments[options.environment];
  if (!plan) throw new Error(`no environment ${options.environment} in the candidate config`);
  const ingestSignals = Object.entries(plan.signals ?? {}).filter(([, s]) => signalKind(s) === 'ingest').map(([name]) => name);
  const replayable = (ref: string) => ingestSignals.includes(ref.slice(0, ref.lastIndexOf('.')));
  const triggers = plan.triggers.filter((t) => ('canary' in t ? t.canary.every(replayable) : 'signal' in t ? replayable(t.signal) : false));
  const skipped = plan.triggers.filter((t) => !triggers.includes(t)).map(describeTrigger);
  const replayPlan: EnvironmentPlan = { ...plan, triggers, signals: Object.fromEntries(Object.entries(plan.signals ?? {}).filter(([name]) => ingestSignals.includes(name))) };
  const config: RipcordConfig = { ...options.config, environments: { [options.environment]: replayPlan } };
  const tickMs = options.tickMs ?? 5000;
  const horizonMs = options.horizonMs ?? 2 * 3_600_000;
  const ordered = [...options.releases].sort((a, b) => Date.parse(a.deployedAt) - Date.parse(b.deployedAt));
  const rows: BacktestRow[] = [];
  for (const [i, release] of ordered.entries()) {
    const start = Date.parse(release.deployedAt);
    const end = Math.min(options.now, Date.parse(ordered[i + 1]?.deployedAt ?? new Date(options.now).toISOString()), start + horizonMs);
    const clock = new ManualClock(new Date(start));
    const events = new EventBus();
    const fired: BacktestRow['fired'] = [];
    const decisions = new MemoryDecisions();
    events.subscribe((e) => {
      if (e.type === 'trigger.fired') fired.push({ trigger: e.trigger, severity: e.severity, afterMs: Date.parse(e.at) - start, explanation: e.explanation });
    });
    const aggregator = new OutcomeAggregator(1000, Number.POSITIVE_INFINITY);
    aggregator.restore(options.rollups.filter((r) => r.service === release.service && r.environment === release.environment && r.bucketStart >= start - 15 * 60_000 && r.bucketStart < end));
    const previous = ordered[i - 1];
    const detection = new DetectionService({
      config,
      ledger: {
        summary: async (known) => known.map((k) => ({ ...k, current: { ...release, status: 'live' as const, previousReleaseId: release.previousReleaseId ?? previous?.id } })),
        get: async (id) => {
          const found = ordered.find((r) => r.id === id);
          if (!found) throw new Error(`no release ${id}`);
          return found;
        },
      },
      aggregator,
      alerts: new AlertStore(),
      reports: { since: async () => [], insert: async () => undefined } as never,
      decisions: new DecisionService(decisions, events, clock),
      events,
      clock,
    });
    for (let t = start + tickMs; t <= end; t += tickMs) {
      clock.advance(tickMs);
      await detection.tick();
      if (decisions.all.length > 0) break;
    }
    const d = decisions.all[0];
    const decision = d ? { severity: d.severity, action: d.action, afterMs: Date.parse(d.madeAt) - start, explanation: d.explanation } : undefined;
    const actual = release.status === 'rolled_back' ? 'rolled_back' : 'kept';
    const wouldRollBack = decision !== undefined && ROLLBACK_ACTIONS.has(decision.action);
    const outcome = wouldRollBack ? (actual === 'rolled_back' ? 'caught' : 'would_roll_back_a_kept_release') : actual === 'rolled_back' ? 'missed' : 'quiet';
    rows.push({ releaseId: release.id, version: release.version, deployedAt: release.deployedAt, replayedMs: end - start, fired, decision, actual, outcome });
  }
  const detections = rows.filter((r) => r.outcome === 'caught' && r.decision).map((r) => r.decision?.afterMs as number).sort((a, b) => a - b);
  return {
    environment: options.environment,
    rows,
    skipped,
    totals: {
      releases: rows.length,
      wouldRollBack: rows.filter((r) => r.decision && ROLLBACK_ACTIONS.has(r.decision.action)).length,
      caught: rows.filter((r) => r.outcome === 'caught').length,
      missed: rows.filter((r) => r.outcome === 'missed').length,
      falseRollbacks: rows.filter((r) => r.outcome === 'would_roll_back_a_kept_release').length,
      medianDetectionMs: detections.length ? detections[Math.floor(detections.length / 2)] : undefined,
    },
  };
}
