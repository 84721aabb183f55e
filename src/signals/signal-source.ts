import type { ZodType } from 'zod';
import type { ActiveAlert, ArmBucket, Sample } from '../detection/measurement.js';
import type { OutcomeAggregator } from './outcome-aggregator.js';
import type { AlertStore } from './alert-store.js';
import type { BugReportRepository } from './bug-reports.js';
import type { ProbeConfig, ProbeResult } from './http-probe.js';

export type MetricUnit = 'ratio' | 'ms' | 'count';

/** One metric a source offers, as `<signal>.<metric>` in triggers: its unit, and whether the canary judge may compare it. */
export interface MetricSpec {
  unit: MetricUnit;
  /** The canary judge can compare canary and baseline counts of this metric (the source returns arms). */
  judged?: 'errors' | 'latency' | undefined;
}

/** The release a source reads for: what it labels canary and baseline (or queries per release). */
export interface SourceContext {
  service: string;
  environment: string;
  /** Epoch ms of this watcher pass. */
  now: number;
  release: { id: string; version: string };
  previous?: { id: string; version: string } | undefined;
  /** Since when this release serves (its deploy, or the rollback that put it back). */
  deployedAt: number;
  /**
   * Set when a rollback put this release back: the release it replaced. Its traffic (still arriving from
   * draining instances, labelled `canary` or with its version) is never counted for the restored release,
   * which is compared with its own traffic before the bad release was deployed.
   */
  restoredFrom?: { id: string; version: string; deployedAt: number } | undefined;
}

/**
 * What one read returns. Errors are data: a source that cannot reach its backend returns samples with
 * an `error` (the trigger turns them into "no data", the verdict into `inconclusive`), it never throws.
 */
export interface SignalReading {
  /** New samples per metric, appended to the metric's series. */
  samples?: Record<string, Sample> | undefined;
  /** Whole series that replace the metric's (a source that re-reads a window, like bug reports). */
  series?: Record<string, Sample[]> | undefined;
  /** The baseline's value per metric (previous release, stable arm or before the release), when known. */
  baseline?: Record<string, number> | undefined;
}

/**
 * One configured signal, for one watched release: the watcher creates it when it starts watching a
 * release and reads it every pass; the source decides itself when a new reading is due (`every`).
 */
export interface SignalSource {
  read(context: SourceContext): Promise<SignalReading>;
  /** Canary and baseline counts per time bucket, oldest first, for the canary judge. */
  arms?(context: SourceContext): ArmBucket[];
  /** Before/after mode: the baseline's error rate and slow share before the release (upper bounds). */
  baselineRates?(): { errorRate: number; slowRate: number } | undefined;
  /** The baseline's latency quantile q, as a one-sided upper bound, for a `margin` test. */
  baselineQuantile?(q: number): number | undefined;
  /** The same quantile's point estimate, to show the effective margin the bound makes. */
  baselinePoint?(q: number): number | undefined;
  /** Alerts this signal sees as firing now (alert triggers). */
  alerts?(context: SourceContext): ActiveAlert[];
}

/** What the server hands every source: shared stores and overridable I/O for tests. */
export interface SourceDeps {
  aggregator: OutcomeAggregator;
  alerts: AlertStore;
  reports: BugReportRepository;
  probe?: ((config: ProbeConfig) => Promise<ProbeResult>) | undefined;
  /** The canary judge's settle time: ingest buckets are read once, this long after they close. */
  judgeSettleMs?: number | undefined;
  /** Whether some trigger of the environment needs canary latency histograms (a margin test). */
  withHistogram?: boolean | undefined;
  /** A base URL override per kind (fakes of cloud APIs in tests). */
  fetch?: typeof fetch | undefined;
}

/**
 * A kind of signal source: its config schema (the value under the `kind` key in `signals.<name>`), its
 * metrics, and how to make a source from a validated config. One file per kind, one registry.
 */
export interface SignalSourceDefinition<Config = unknown, Kind extends string = string> {
  kind: Kind;
  /** The whole `signals.<name>` object, e.g. `{ http: …, every: 10s }`: strict, so typos are reported. */
  schema: ZodType<Config>;
  metrics: Record<string, MetricSpec>;
  /** One line for `ripcord validate` and the docs. */
  description: string;
  create(name: string, config: Config, deps: SourceDeps): SignalSource;
}
