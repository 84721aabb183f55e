import type { Severity } from '../config/schema/fields.js';
import { SEVERITIES } from '../config/schema/fields.js';
import { signalKind } from '../config/schema/signals-schema.js';
import type { EnvironmentPlan, RipcordConfig } from '../config/ripcord-config.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { Decision } from '../decisions/decision.js';
import type { DecisionService } from '../decisions/decision-service.js';
import type { Impact } from '../decisions/policy.js';
import type { EnvironmentSummary } from '../deployments/ledger.js';
import type { Release, Transition } from '../deployments/release.js';
import type { AlertStore } from '../signals/alert-store.js';
import type { BugReportRepository } from '../signals/bug-reports.js';
import { type ProbeConfig, type ProbeResult, runProbe } from '../signals/http-probe.js';
import { countAbove, quantileOf } from '../signals/latency-histogram.js';
import type { OutcomeAggregator, RollupRepository } from '../signals/outcome-aggregator.js';
import { fillQuery, PrometheusClient, type PromReading } from '../signals/prometheus-client.js';
import { describeTrigger } from './describe-trigger.js';
import { evaluateTrigger } from './evaluate-trigger.js';
import type { ArmBucket, JudgeMemo, Measurements, Sample } from './measurement.js';
import type { TriggerResult } from './trigger-result.js';
import { decideVerdict, type Verdict } from './verdict.js';

const MINUTE = 60_000;
/** Samples older than this are dropped: the longest default window is an hour. */
const KEEP_MS = 2 * 3_600_000;
/** The window the baseline's P95 and error rate are fixed from, just before the release. */
const BASELINE_WINDOW_MS = 10 * MINUTE;
/**
 * The canary judge reads each outcome bucket once, this long after it closed (the ingest client flushes
 * every second; the router's outcomes arrive at once), and keeps what it read. So every look is at whole
 * buckets in one fixed order, which is what the α bound is proved for: looking at a bucket still filling,
 * or again after late outcomes changed it, is not (it let 10–35% more good releases through in a simulation).
 */
const JUDGE_SETTLE_MS = 1000;

export interface DetectionDeps {
  config: RipcordConfig;
  ledger: { summary(known: { service: string; environment: string }[]): Promise<EnvironmentSummary[]>; get(id: string): Promise<Release & { transitions?: Transition[] | undefined }> };
  aggregator: OutcomeAggregator;
  alerts: AlertStore;
  reports: BugReportRepository;
  decisions: DecisionService;
  events: EventBus;
  clock: Clock;
  rollups?: RollupRepository | undefined;
  probe?: ((config: ProbeConfig) => Promise<ProbeResult>) | undefined;
  logger?: { warn(obj: object, msg: string): void } | undefined;
  /** α for canary triggers that do not set `false_rollback_rate` (default 0.001). */
  alpha?: number | undefined;
}

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
  series: Map<string, Sample[]>;
  baselineValues: Map<string, number>;
  baselineP95?: number | undefined;
  baselineRates?: { errorRate: number; slowRate: number } | undefined;
  /** The latencies the baseline's P95 was fixed from: what `margin` tests take their threshold from. */
  baselineLatency?: { histogram: Uint32Array; total: number } | undefined;
  lastProbe: Map<string, number>;
  promCounters: Map<string, { at: number; canary?: { errors: number; total: number }; baseline?: { errors: number; total: number } }>;
  promArms: Map<string, ArmBucket[]>;
  /** Ingest buckets the canary judge has read, per signal, up to (not including) `until`: never changed after. */
  judgedArms: Map<string, { until: number; buckets: ArmBucket[] }>;
  /** The canary judge's tests over those buckets, fed only what is new on each tick. */
  judgeMemo: JudgeMemo;
  triggerStates: Map<string, TriggerResult['state']>;
  firstBad: Set<string>;
  verdict?: Verdict | undefined;
  decision?: Decision | undefined;
  updatedAt: number;
}

const rank = (s: Severity) => SEVERITIES.indexOf(s);

/**
 * A one-sided 99% upper bound of the q-quantile from n latencies: the order statistic at rank
 * q + 2.326·√(q(1−q)/n) (normal approximation of the binomial count below the true quantile).
 */
function upperQuantile(latencies: { histogram: Uint32Array; total: number } | undefined, q: number): number | undefined {
  if (!latencies || latencies.total === 0) return undefined;
  return quantileOf(latencies.histogram, Math.min(1, q + 2.326 * Math.sqrt((q * (1 - q)) / latencies.total)));
}

/** A conservative upper bound for a rate measured as bad/total (≈ 97.5% Poisson bound). */
const upperRate = (bad: number, total: number) => (bad + 2 * Math.sqrt(bad) + 3) / total;

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
      // A tick that fails (the store away) is logged and the next one tries again: it never ends the process.
      if (!this.running) this.running = this.tick().catch((error) => this.deps.logger?.warn({ err: error }, 'watcher tick failed; trying again next tick')).finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
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
    const rollups = this.deps.aggregator.drainRollups(this.now());
    try {
      await this.deps.rollups.upsert(rollups);
    } catch (error) {
      this.deps.aggregator.markUnpersisted(rollups);
      this.deps.logger?.warn({ err: error }, 'could not persist outcome rollups; they stay in memory and are written on a later tick');
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
    const summaries = await this.deps.ledger.summary(known);
    for (const [name, plan] of Object.entries(config.environments)) {
      const current = summaries.find((s) => s.service === config.service && s.environment === name)?.current;
      if (!current || !['live', 'verified'].includes(current.status)) {
        this.states.delete(name);
        continue;
      }
      try {
        await this.watch(plan, current);
      } catch (error) {
        this.deps.logger?.warn({ err: error, environment: name }, 'watching this environment failed; will retry on the next tick');
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
    const state: WatchState = {
      release,
      previous,
      deployedAt: Math.max(Date.parse(release.deployedAt), returned ? Date.parse(returned.at) : 0),
      series: new Map(),
      baselineValues: new Map(),
      lastProbe: new Map(),
      promCounters: new Map(),
      promArms: new Map(),
      judgedArms: new Map(),
      judgeMemo: new Map(),
      triggerStates: new Map(),
      firstBad: new Set(),
      updatedAt: this.now(),
    };
    this.states.set(plan.name, state);
    return state;
  }

  private labels(state: WatchState) {
    const candidate = ['canary', state.release.version, state.release.id];
    const baseline = ['baseline', 'stable', ...(state.previous ? [state.previous.version, state.previous.id] : [])];
    return { candidate, baseline };
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
    const service = this.deps.config.service;
    const signals = plan.signals ?? {};
    const { candidate, baseline } = this.labels(state);
    const alertMatchers: Record<string, string>[] = [];

    await Promise.all(
      Object.entries(signals).map(async ([name, signal]) => {
        switch (signalKind(signal)) {
          case 'ingest':
            this.readIngest(state, name, service, plan.name, candidate, baseline, now);
            break;
          case 'http':
            await this.readProbe(state, name, signal as Extract<typeof signal, { http: unknown }>, now);
            break;
          case 'prometheus':
            await this.readPrometheus(state, name, signal as Extract<typeof signal, { prometheus: unknown }>, now);
            break;
          case 'reports': {
            const reports = await this.deps.reports.since(service, plan.name, new Date(now - KEEP_MS).toISOString());
            state.series.set(`${name}.count`, reports.map((r) => ({ at: Date.parse(r.reportedAt), value: 1 })));
            break;
          }
          case 'alertmanager':
            alertMatchers.push((signal as { alertmanager: { match?: Record<string, string> } }).alertmanager.match ?? {});
            break;
        }
      }),
    );

    const measurements: Measurements = {
      now,
      series: (ref) => state.series.get(ref) ?? [],
      baseline: (ref) => state.baselineValues.get(ref),
      arms: (signal) => state.promArms.get(signal) ?? this.ingestArms(state, signal, service, plan, candidate, baseline, now),
      baselineRates: () => state.baselineRates,
      baselineQuantile: (_signal, q) => upperQuantile(state.baselineLatency, q),
      judgeMemo: state.judgeMemo,
      alerts: () => this.deps.alerts.forEnvironment(plan.name, alertMatchers),
    };
    const results = plan.triggers.map((trigger) => evaluateTrigger(trigger, measurements, this.deps.alpha));
    const verdict = decideVerdict(results);
    state.updatedAt = now;
    await this.publishChanges(plan, state, verdict);
  }

  private ingestArms(state: WatchState, signal: string, service: string, plan: EnvironmentPlan, candidate: string[], baseline: string[], now: number): ArmBucket[] {
    const environment = plan.name;
    if (!this.deps.config.environments[environment]?.signals?.[signal]) return [];
    // A margin test counts canary requests above its own threshold, so it needs the canary's latencies.
    const withHistogram = plan.triggers.some((t) => 'canary' in t && t.margin !== undefined);
    const bucketMs = this.deps.aggregator.bucketMs;
    // Buckets that start before `settled` closed at least JUDGE_SETTLE_MS ago.
    const settled = Math.floor((now - JUDGE_SETTLE_MS) / bucketMs) * bucketMs;
    let judged = state.judgedArms.get(signal);
    if (!judged) {
      judged = { until: state.deployedAt, buckets: [] };
      state.judgedArms.set(signal, judged);
    }
    if (settled > judged.until) {
      judged.buckets.push(...this.deps.aggregator.arms(service, environment, candidate, baseline, judged.until, settled, state.baselineP95, withHistogram));
      judged.until = settled;
    }
    return judged.buckets;
  }

  private readIngest(state: WatchState, name: string, service: string, environment: string, candidate: string[], baseline: string[], now: number): void {
    const agg = this.deps.aggregator;
    if (state.baselineP95 === undefined) {
      // Fixed once per release: the baseline before the deploy, or (canary arms) its first minutes.
      const before = agg.window(service, environment, baseline, state.deployedAt - BASELINE_WINDOW_MS, state.deployedAt);
      const concurrent = agg.window(service, environment, baseline, state.deployedAt, now + 1);
      const source = before.total >= 100 ? before : concurrent.total >= 200 ? concurrent : undefined;
      if (source?.p95 !== undefined) {
        state.baselineP95 = source.p95;
        state.baselineLatency = { histogram: source.histogram, total: source.total };
        state.baselineValues.set(`${name}.p95`, source.p95);
        state.baselineValues.set(`${name}.latency`, source.p95);
        if (source.p99 !== undefined) state.baselineValues.set(`${name}.p99`, source.p99);
        if (source.errorRate !== undefined) state.baselineValues.set(`${name}.error_rate`, source.errorRate);
        if (source === before) {
          state.baselineRates = {
            errorRate: upperRate(before.errors, before.total),
            slowRate: upperRate(countAbove(before.histogram, source.p95), before.total),
          };
        }
      }
    }
    const win = agg.window(service, environment, candidate, Math.max(now - MINUTE, state.deployedAt), now + 1);
    if (win.total === 0) return;
    this.push(state, `${name}.error_rate`, { at: now, value: win.errorRate, numerator: win.errors, denominator: win.total });
    this.push(state, `${name}.p95`, { at: now, value: win.p95 });
    this.push(state, `${name}.p99`, { at: now, value: win.p99 });
    this.push(state, `${name}.latency`, { at: now, value: win.p95 });
    this.push(state, `${name}.count`, { at: now, value: win.total });
  }

  private async readProbe(state: WatchState, name: string, signal: { http: string | ProbeConfig; every?: number | undefined }, now: number): Promise<void> {
    const every = signal.every ?? 10_000;
    if (now - (state.lastProbe.get(name) ?? Number.NEGATIVE_INFINITY) < every) return;
    state.lastProbe.set(name, now);
    const config: ProbeConfig = typeof signal.http === 'string' ? { url: signal.http } : signal.http;
    const result = await (this.deps.probe ?? runProbe)(config);
    this.push(state, `${name}.failures`, { at: now, value: result.ok ? 0 : 1, error: undefined });
    this.push(state, `${name}.latency`, { at: now, value: result.latencyMs });
    const recent = (state.series.get(`${name}.failures`) ?? []).filter((s) => s.at > now - 5 * MINUTE);
    const okCount = recent.filter((s) => s.value === 0).length;
    this.push(state, `${name}.success_rate`, { at: now, value: okCount / recent.length, numerator: okCount, denominator: recent.length });
    if (!result.ok) this.push(state, `${name}.last_failure`, { at: now, error: result.reason });
  }

  private async readPrometheus(
    state: WatchState,
    name: string,
    signal: { prometheus: { url: string; error_ratio?: string | undefined; errors?: string | undefined; total?: string | undefined; rate?: string | undefined; p95?: string | undefined; headers?: Record<string, string> | undefined }; every?: number | undefined },
    now: number,
  ): Promise<void> {
    const every = signal.every ?? 15_000;
    if (now - (state.lastProbe.get(name) ?? Number.NEGATIVE_INFINITY) < every) return;
    state.lastProbe.set(name, now);
    const p = signal.prometheus;
    const client = new PrometheusClient(p.url, p.headers);
    const canary = { release: state.release.version, arm: 'canary' };
    const base = { release: state.previous?.version ?? '', arm: 'baseline' };
    const read = (template: string | undefined, labels: typeof canary): Promise<PromReading | undefined> =>
      template ? client.instant(fillQuery(template, labels), now) : Promise.resolve(undefined);
    const sample = (reading: PromReading | undefined): Sample | undefined =>
      reading === undefined ? undefined : 'value' in reading ? { at: now, value: reading.value } : { at: now, error: reading.error };

    const [ratio, p95, rate, baseP95, baseRatio, errors, total, baseErrors, baseTotal] = await Promise.all([
      read(p.error_ratio, canary),
      read(p.p95, canary),
      read(p.rate, canary),
      read(p.p95, base),
      read(p.error_ratio, base),
      read(p.errors, canary),
      read(p.total, canary),
      read(p.errors, base),
      read(p.total, base),
    ]);
    const ratioSample = sample(ratio);
    if (ratioSample) this.push(state, `${name}.error_rate`, ratioSample);
    const p95Sample = sample(p95);
    // PromQL latency is usually in seconds (histogram_quantile over _seconds buckets); triggers read ms.
    if (p95Sample) this.push(state, `${name}.p95`, p95Sample.value !== undefined ? { ...p95Sample, value: p95Sample.value * 1000 } : p95Sample);
    const rateSample = sample(rate);
    if (rateSample) this.push(state, `${name}.rate`, rateSample);
    if (baseP95 && 'value' in baseP95) state.baselineValues.set(`${name}.p95`, baseP95.value * 1000);
    if (baseRatio && 'value' in baseRatio) state.baselineValues.set(`${name}.error_rate`, baseRatio.value);

    // Counters → per-tick deltas per arm: what the canary judge counts.
    if (errors && total) {
      const counts = (e: PromReading | undefined, t: PromReading | undefined) => (e && t && 'value' in e && 'value' in t ? { errors: e.value, total: t.value } : undefined);
      const c = counts(errors, total);
      const b = counts(baseErrors, baseTotal);
      if (!c) {
        this.push(state, `${name}.error_rate`, { at: now, error: 'error' in errors ? errors.error : 'error' in total ? total.error : 'no value' });
        return;
      }
      const last = state.promCounters.get(name);
      state.promCounters.set(name, { at: now, canary: c, baseline: b });
      if (!ratioSample && last?.canary) {
        const dTotal = c.total - last.canary.total;
        const dErrors = c.errors - last.canary.errors;
        if (dTotal > 0) this.push(state, `${name}.error_rate`, { at: now, value: dErrors / dTotal, numerator: Math.round(dErrors), denominator: Math.round(dTotal) });
      }
      if (last?.canary && last.baseline && b) {
        const arms = state.promArms.get(name) ?? [];
        const delta = (x: number, y: number) => Math.max(0, Math.round(x - y));
        arms.push({
          at: now,
          canary: { total: delta(c.total, last.canary.total), errors: delta(c.errors, last.canary.errors), slow: 0 },
          baseline: { total: delta(b.total, last.baseline.total), errors: delta(b.errors, last.baseline.errors), slow: 0 },
        });
        state.promArms.set(name, arms);
      }
    }
  }

  private impactOf(plan: EnvironmentPlan, state: WatchState, verdict: Verdict): Impact {
    const configs = new Map(plan.triggers.map((t) => [describeTrigger(t), t]));
    const impacts = verdict.firing.map((r) => configs.get(r.trigger)?.impact);
    let errorRate: number | undefined;
    for (const r of verdict.firing) {
      for (const [key, value] of Object.entries(r.values)) {
        if (typeof value !== 'number') continue;
        if (r.kind === 'threshold' && key === 'value' && r.explanation.includes('error_rate')) errorRate = Math.max(errorRate ?? 0, value);
        if (key.endsWith('error_rate.canary_bad')) {
          const totalKey = key.replace('canary_bad', 'canary_total');
          const total = Number(r.values[totalKey] ?? 0);
          if (total > 0) errorRate = Math.max(errorRate ?? 0, value / total);
        }
      }
    }
    const httpDown = verdict.firing.some((r) => {
      const config = configs.get(r.trigger);
      const ref = config && 'signal' in config ? config.signal : undefined;
      const signal = ref ? plan.signals?.[ref.slice(0, ref.lastIndexOf('.'))] : undefined;
      return r.severity === 'P0' && signal !== undefined && signalKind(signal) === 'http';
    });
    // Share of users on the new release: the canary arm's share of traffic, or everyone after a full deploy.
    let canaryTotal = 0;
    let allTotal = 0;
    for (const arms of [...state.promArms.values()]) for (const a of arms) { canaryTotal += a.canary.total; allTotal += a.canary.total + a.baseline.total; }
    for (const [name, signal] of Object.entries(plan.signals ?? {})) {
      if (signalKind(signal) !== 'ingest') continue;
      const { candidate, baseline } = this.labels(state);
      for (const a of this.ingestArms(state, name, this.deps.config.service, plan, candidate, baseline, state.updatedAt)) { canaryTotal += a.canary.total; allTotal += a.canary.total + a.baseline.total; }
    }
    return {
      serviceDown: impacts.includes('service_down') || httpDown || (errorRate !== undefined && errorRate >= 0.5),
      dataLoss: impacts.includes('data_loss'),
      majorFeatureBroken: impacts.includes('major_feature'),
      errorRate,
      usersAffected: allTotal > 0 ? canaryTotal / allTotal : undefined,
    };
  }

  private async publishChanges(plan: EnvironmentPlan, state: WatchState, verdict: Verdict): Promise<void> {
    const { events } = this.deps;
    const base = { at: new Date(state.updatedAt).toISOString(), service: this.deps.config.service, environment: plan.name, releaseId: state.release.id };
    const configs = new Map(plan.triggers.map((t) => [describeTrigger(t), t]));
    for (const result of verdict.triggers) {
      const before = state.triggerStates.get(result.trigger);
      state.triggerStates.set(result.trigger, result.state);
      if (result.state === 'firing' && before !== 'firing') {
        await events.publish({ ...base, type: 'trigger.fired', trigger: result.trigger, severity: result.severity, explanation: result.explanation });
        const config = configs.get(result.trigger);
        const refs = config ? ('canary' in config ? config.canary : 'signal' in config ? [config.signal] : ['alert']) : [];
        for (const ref of refs) {
          const signal = ref.includes('.') ? ref.slice(0, ref.lastIndexOf('.')) : ref;
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
    if (verdict.state === 'unhealthy') {
      const worst = verdict.firing.map((r) => r.severity).reduce((a, b) => (rank(a) <= rank(b) ? a : b));
      // One decision per release, and a new one only when things got worse (a higher severity).
      if (!state.decision || rank(worst) < rank(state.decision.severity)) {
        const decision = await this.deps.decisions.decideOn(
          { service: this.deps.config.service, environment: plan.name, releaseId: state.release.id },
          verdict,
          this.impactOf(plan, state, verdict),
          this.deps.config.policy,
        );
        if (decision) state.decision = decision;
      }
    }
  }
}
