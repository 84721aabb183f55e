import { DEFAULT_PAGE_AFTER_INCONCLUSIVE_MS } from '../config/schema/detection-schema.js';
import type { Severity } from '../config/schema/fields.js';
import { SEVERITIES } from '../config/schema/fields.js';
import type { EnvironmentPlan, RipcordConfig } from '../config/ripcord-config.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { Decision } from '../decisions/decision.js';
import type { DecisionService } from '../decisions/decision-service.js';
import { impactOf } from '../decisions/impact-of.js';
import type { EnvironmentSummary } from '../deployments/ledger.js';
import type { Release, Transition } from '../deployments/release.js';
import type { AlertStore } from '../signals/alert-store.js';
import type { BugReportRepository } from '../signals/bug-reports.js';
import type { ProbeConfig, ProbeResult } from '../signals/http-probe.js';
import type { OutcomeAggregator, RollupRepository } from '../signals/outcome-aggregator.js';
import type { SignalReading, SignalSource, SourceContext } from '../signals/signal-source.js';
import { metricsOf, type SignalConfig, signalKind, sourceFor } from '../signals/signal-registry.js';
import { evaluateTrigger } from './evaluate-trigger.js';
import type { JudgeMemo, Measurements, Sample } from './measurement.js';
import { splitRef, type TriggerResult } from './trigger-result.js';
import { decideVerdict, type Verdict } from './verdict.js';

/** Samples older than this are dropped: the longest default window is an hour. */
const KEEP_MS = 2 * 3_600_000;

export interface DetectionDeps {
  config: RipcordConfig;
  ledger: {
    summary(known: { service: string; environment: string }[]): Promise<EnvironmentSummary[]>;
    get(id: string): Promise<Release & { transitions?: Transition[] | undefined }>;
    /** Rolled-back releases, newest first: which one a restored release replaced. */
    list?(filter: { service: string; environment: string; status: 'rolled_back'; limit: number }): Promise<{ releases: Release[] }>;
  };
  aggregator: OutcomeAggregator;
  alerts: AlertStore;
  reports: BugReportRepository;
  decisions: DecisionService;
  events: EventBus;
  clock: Clock;
  rollups?: RollupRepository | undefined;
  probe?: ((config: ProbeConfig) => Promise<ProbeResult>) | undefined;
  logger?: { warn(obj: object, msg: string): void } | undefined;
  /** Counts a background failure by stage (`ledger`, `environment`, `rollups`, `tick`): the server wires a prom-client counter. */
  onFailure?: ((stage: WatcherFailureStage) => void) | undefined;
  /** α for canary triggers that do not set `false_rollback_rate` (default 0.001). */
  alpha?: number | undefined;
}

/** Where a watcher pass failed: every one is caught, logged, counted and retried on the next tick. */
export type WatcherFailureStage = 'ledger' | 'environment' | 'rollups' | 'tick';

/** What `ripcord watch`, `ripcord status` and the rollback executor read about one environment. */
export interface EnvironmentWatch {
  service: string;
  environment: string;
  releaseId: string;
  version: string;
  verdict: Verdict['state'];
  explanation: string;
  triggers: TriggerResult[];
  /** Newest value (or error) of every metric, by `<signal>.<metric>`. */
  signals: Record<string, { at: string; value?: number | undefined; error?: string | undefined }>;
  decision?: Decision | undefined;
  updatedAt: string;
}

interface WatchState {
  release: Release;
  previous?: Release | undefined;
  deployedAt: number;
  /** For a release put back by a rollback: the release it replaced, whose traffic is never counted for it. */
  restoredFrom?: { id: string; version: string; deployedAt: number } | undefined;
  /** One source per configured signal, made for this release (sources keep per-release state). */
  sources: Map<string, SignalSource>;
  series: Map<string, Sample[]>;
  baselineValues: Map<string, number>;
  /** The canary judge's tests over the sources' buckets, fed only what is new on each tick. */
  judgeMemo: JudgeMemo;
  triggerStates: Map<string, TriggerResult['state']>;
  firstBad: Set<string>;
  verdict?: Verdict | undefined;
  decision?: Decision | undefined;
  /** Since when the verdict has been inconclusive, and whether a person was paged for it. */
  inconclusiveSince?: number | undefined;
  blindPaged?: boolean | undefined;
  updatedAt: number;
}

const rank = (s: Severity) => SEVERITIES.indexOf(s);

/**
 * The watcher: for every environment with a live release, reads its signals (probes, ingest,
 * Prometheus, alerts, bug reports), evaluates its triggers, keeps the verdict, publishes what changes
 * (`trigger.fired`, `trigger.resolved`, `signal.first_bad`, `verdict.changed`) and asks the policy for a
 * decision when the verdict turns unhealthy or worse (`decision.made`). A signal that cannot be read
 * makes a measurement with an error, so a tick never throws.
 */
export class DetectionService {
  private readonly states = new Map<string, WatchState>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: DetectionDeps) {}

  start(intervalMs = 5000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      // A background loop never ends the process: a failed pass (the store away) is logged, counted and
      // retried on the next tick, so the watcher recovers by itself when the database is back.
      this.running = this.tick()
        .catch((error: unknown) => this.failed('tick', error))
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  private failed(stage: WatcherFailureStage, error: unknown, extra: object = {}): void {
    this.deps.onFailure?.(stage);
    this.deps.logger?.warn({ err: error, stage, ...extra }, `watcher ${stage} failed; retrying on the next tick`);
  }

  /** Stops the timer, waits for a running tick and persists the last rollups. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.persistRollups();
  }

  private async persistRollups(): Promise<void> {
    if (!this.deps.rollups) return;
    const drained = this.deps.aggregator.drainRollups(this.now());
    if (drained.length === 0) return;
    try {
      await this.deps.rollups.upsert(drained);
    } catch (error) {
      this.deps.aggregator.requeue(drained);
      this.failed('rollups', error, { note: 'outcome rollups stay in memory' });
    }
  }

  /** The current verdict of one environment; undefined when nothing live is watched there. */
  verdict(service: string, environment: string): EnvironmentWatch | undefined {
    if (service !== this.deps.config.service) return undefined;
    const state = this.states.get(environment);
    if (!state?.verdict) return undefined;
    const signals: EnvironmentWatch['signals'] = {};
    for (const [ref, samples] of state.series) {
      const last = samples[samples.length - 1];
      if (last) signals[ref] = { at: new Date(last.at).toISOString(), value: last.value, error: last.error };
    }
    return {
      service,
      environment,
      releaseId: state.release.id,
      version: state.release.version,
      verdict: state.verdict.state,
      explanation: state.verdict.explanation,
      triggers: state.verdict.triggers,
      signals,
      decision: state.decision,
      updatedAt: new Date(state.updatedAt).toISOString(),
    };
  }

  private queue: Promise<void> = Promise.resolve();

  /**
   * One pass over every environment. Tests drive it with a ManualClock; the server on a timer and right
   * after an Alertmanager delivery. Passes never overlap: a second call waits for the first.
   */
  tick(): Promise<void> {
    const next = this.queue.then(() => this.pass());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async pass(): Promise<void> {
    const { config } = this.deps;
    const known = Object.keys(config.environments).map((environment) => ({ service: config.service, environment }));
    let summaries: EnvironmentSummary[];
    try {
      summaries = await this.deps.ledger.summary(known);
    } catch (error) {
      // The ledger unreadable (database away): keep the last verdicts, persist nothing, try again next tick.
      this.failed('ledger', error);
      return;
    }
    for (const [name, plan] of Object.entries(config.environments)) {
      const current = summaries.find((s) => s.service === config.service && s.environment === name)?.current;
      if (!current || !['live', 'verified'].includes(current.status)) {
        this.states.delete(name);
        continue;
      }
      try {
        await this.watch(plan, current);
      } catch (error) {
        this.failed('environment', error, { environment: name });
      }
    }
    await this.persistRollups();
  }

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  private async stateFor(plan: EnvironmentPlan, release: Release): Promise<WatchState> {
    const existing = this.states.get(plan.name);
    if (existing && existing.release.id === release.id) {
      existing.release = release;
      return existing;
    }
    const previous = release.previousReleaseId ? await this.deps.ledger.get(release.previousReleaseId).catch(() => undefined) : undefined;
    // A release put back by a rollback (superseded → live) is watched from that moment, not its first deploy.
    const details = await this.deps.ledger.get(release.id).catch(() => undefined);
    const returned = details?.transitions?.filter((t) => t.to === 'live' && t.from === 'superseded').at(-1);
    const restoredFrom = returned ? await this.rolledBackBy(release, Date.parse(returned.at)) : undefined;
    const state: WatchState = {
      release,
      previous,
      deployedAt: Math.max(Date.parse(release.deployedAt), returned ? Date.parse(returned.at) : 0),
      restoredFrom,
      sources: this.createSources(plan),
      series: new Map(),
      baselineValues: new Map(),
      judgeMemo: new Map(),
      triggerStates: new Map(),
      firstBad: new Set(),
      updatedAt: this.now(),
    };
    this.states.set(plan.name, state);
    return state;
  }

  /** The release a rollback at `at` replaced with `release`: rolled back, and deployed on top of it. */
  private async rolledBackBy(release: Release, at: number): Promise<WatchState['restoredFrom']> {
    const page = await this.deps.ledger.list?.({ service: release.service, environment: release.environment, status: 'rolled_back', limit: 10 }).catch(() => undefined);
    const bad = page?.releases.find((r) => r.previousReleaseId === release.id && Date.parse(r.deployedAt) <= at);
    return bad ? { id: bad.id, version: bad.version, deployedAt: Date.parse(bad.deployedAt) } : undefined;
  }

  private createSources(plan: EnvironmentPlan): Map<string, SignalSource> {
    const deps = {
      aggregator: this.deps.aggregator,
      alerts: this.deps.alerts,
      reports: this.deps.reports,
      probe: this.deps.probe,
      // A margin test counts canary requests above its own threshold, so it needs the canary's latencies.
      withHistogram: plan.triggers.some((t) => 'canary' in t && t.margin !== undefined),
    };
    return new Map(Object.entries(plan.signals ?? {}).map(([name, config]) => [name, sourceFor(config).create(name, config, deps)]));
  }

  private context(plan: EnvironmentPlan, state: WatchState, now: number): SourceContext {
    const { release, previous } = state;
    return {
      service: this.deps.config.service,
      environment: plan.name,
      now,
      release: { id: release.id, version: release.version },
      previous: previous ? { id: previous.id, version: previous.version } : undefined,
      deployedAt: state.deployedAt,
      restoredFrom: state.restoredFrom,
    };
  }

  private push(state: WatchState, ref: string, sample: Sample): void {
    let samples = state.series.get(ref);
    if (!samples) {
      samples = [];
      state.series.set(ref, samples);
    }
    samples.push(sample);
    while (samples.length > 0 && (samples[0] as Sample).at < sample.at - KEEP_MS) samples.shift();
  }

  private async watch(plan: EnvironmentPlan, release: Release): Promise<void> {
    const state = await this.stateFor(plan, release);
    const now = this.now();
    const context = this.context(plan, state, now);
    const signals = plan.signals ?? {};
    // Sources never throw (errors are samples); one that does anyway is a failing signal, not a failed pass.
    await Promise.all(
      [...state.sources].map(async ([name, source]) => {
        const reading: SignalReading = await source.read(context).catch((error: unknown) => ({ samples: Object.fromEntries(Object.keys(metricsOf(signals[name] as SignalConfig)).map((metric) => [metric, { at: now, error: `source failed: ${(error as Error)?.message ?? error}` }])) }));
        for (const [metric, sample] of Object.entries(reading.samples ?? {})) this.push(state, `${name}.${metric}`, sample);
        for (const [metric, series] of Object.entries(reading.series ?? {})) state.series.set(`${name}.${metric}`, series);
        for (const [metric, value] of Object.entries(reading.baseline ?? {})) state.baselineValues.set(`${name}.${metric}`, value);
      }),
    );

    const measurements: Measurements = {
      now,
      series: (ref) => state.series.get(ref) ?? [],
      baseline: (ref) => state.baselineValues.get(ref),
      arms: (signal) => state.sources.get(signal)?.arms?.(context) ?? [],
      baselineRates: (signal) => state.sources.get(signal)?.baselineRates?.(),
      baselineQuantile: (signal, q) => state.sources.get(signal)?.baselineQuantile?.(q),
      baselinePoint: (signal, q) => state.sources.get(signal)?.baselinePoint?.(q),
      judgeMemo: state.judgeMemo,
      alerts: () => [...state.sources.values()].flatMap((source) => source.alerts?.(context) ?? []),
      signalKind: (signal) => {
        const config = signals[signal];
        return config ? signalKind(config) : undefined;
      },
      metricUnit: (ref) => {
        const { signal, metric } = splitRef(ref);
        const config = signals[signal];
        return config ? metricsOf(config)[metric]?.unit : undefined;
      },
    };
    const results = plan.triggers.map((trigger) => evaluateTrigger(trigger, measurements, this.deps.alpha));
    const verdict = decideVerdict(results);
    state.updatedAt = now;
    await this.publishChanges(plan, state, verdict);
  }

  /** The share of requests on the new release: the canary arm's, or everyone's after a full deploy. */
  private trafficOf(plan: EnvironmentPlan, state: WatchState): { canary: number; all: number } {
    let canary = 0;
    let all = 0;
    const context = this.context(plan, state, state.updatedAt);
    for (const source of state.sources.values()) {
      for (const a of source.arms?.(context) ?? []) {
        canary += a.canary.total;
        all += a.canary.total + a.baseline.total;
      }
    }
    return { canary, all };
  }

  /**
   * "Cannot judge" for longer than `detection.page_after_inconclusive` (default 5 min) pages a person:
   * one `detection.blind` per stretch (incidents open or update from it, escalation pages), never a decision.
   */
  private async pageWhenBlind(plan: EnvironmentPlan, state: WatchState, verdict: Verdict, base: { at: string; service: string; environment: string; releaseId: string }): Promise<void> {
    if (verdict.state !== 'inconclusive' || verdict.triggers.length === 0) {
      state.inconclusiveSince = undefined;
      state.blindPaged = false;
      return;
    }
    state.inconclusiveSince ??= state.updatedAt;
    const after = plan.detection?.page_after_inconclusive ?? DEFAULT_PAGE_AFTER_INCONCLUSIVE_MS;
    if (state.blindPaged || state.updatedAt - state.inconclusiveSince < after) return;
    state.blindPaged = true;
    const reasons = [...new Set(verdict.triggers.filter((r) => r.state === 'no_data').map((r) => r.missing ?? r.explanation))];
    await this.deps.events.publish({
      ...base,
      type: 'detection.blind',
      severity: plan.detection?.inconclusive_severity ?? 'P2',
      since: new Date(state.inconclusiveSince).toISOString(),
      explanation: `cannot judge ${plan.name}: ${reasons.join('; ')}`,
    });
  }

  private async publishChanges(plan: EnvironmentPlan, state: WatchState, verdict: Verdict): Promise<void> {
    const { events } = this.deps;
    const base = { at: new Date(state.updatedAt).toISOString(), service: this.deps.config.service, environment: plan.name, releaseId: state.release.id };
    for (const result of verdict.triggers) {
      const before = state.triggerStates.get(result.trigger);
      state.triggerStates.set(result.trigger, result.state);
      if (result.state === 'firing' && before !== 'firing') {
        await events.publish({ ...base, type: 'trigger.fired', trigger: result.trigger, severity: result.severity, explanation: result.explanation });
        const signals = result.kind === 'alert' ? ['alert'] : [...new Set(result.facts.map((f) => f.signal))];
        for (const signal of signals) {
          if (state.firstBad.has(signal)) continue;
          state.firstBad.add(signal);
          await events.publish({ ...base, type: 'signal.first_bad', signal, explanation: result.explanation });
        }
      } else if (before === 'firing' && result.state !== 'firing') {
        await events.publish({ ...base, type: 'trigger.resolved', trigger: result.trigger, explanation: result.explanation });
      }
    }
    const previous = state.verdict;
    state.verdict = verdict;
    if (previous?.state !== verdict.state) {
      await events.publish({ ...base, type: 'verdict.changed', verdict: verdict.state, explanation: verdict.explanation });
    }
    await this.pageWhenBlind(plan, state, verdict, base);
    if (verdict.state === 'unhealthy') {
      const worst = verdict.firing.map((r) => r.severity).reduce((a, b) => (rank(a) <= rank(b) ? a : b));
      // One decision per release, and a new one only when things got worse (a higher severity).
      if (!state.decision || rank(worst) < rank(state.decision.severity)) {
        const decision = await this.deps.decisions.decideOn(
          { service: this.deps.config.service, environment: plan.name, releaseId: state.release.id },
          verdict,
          impactOf(verdict, this.trafficOf(plan, state)),
          this.deps.config.policy,
        );
        if (decision) state.decision = decision;
      }
    }
  }
}
