import { z } from 'zod';
import { durationField } from '../../config/schema/fields.js';
import type { ArmBucket } from '../../detection/measurement.js';
import { countAbove, quantileOf } from '../latency-histogram.js';
import type { SignalReading, SignalSource, SignalSourceDefinition, SourceContext, SourceDeps } from '../signal-source.js';

const MINUTE = 60_000;
/** The window the baseline's P95 and error rate are fixed from, just before the release. */
const BASELINE_WINDOW_MS = 10 * MINUTE;
/**
 * The canary judge reads each outcome bucket once, this long after it closed (the ingest client flushes
 * every second; the router's outcomes arrive at once), and keeps what it read: every look is at whole
 * buckets in one fixed order, which is what the α bound is proved for (ADR 0010).
 */
export const JUDGE_SETTLE_MS = 1000;

/** Request outcomes pushed to `POST /api/v1/ingest` (or labelled by the router provider). */
export const ingestSignalSchema = z.strictObject({
  ingest: z.union([z.literal(true), z.strictObject({ bucket: durationField.optional() })]),
});
type IngestConfig = z.output<typeof ingestSignalSchema>;

/** A one-sided 99% upper bound of the q-quantile from n latencies (normal approximation of the binomial rank). */
function upperQuantile(latencies: { histogram: Uint32Array; total: number } | undefined, q: number): number | undefined {
  if (!latencies || latencies.total === 0) return undefined;
  return quantileOf(latencies.histogram, Math.min(1, q + 2.326 * Math.sqrt((q * (1 - q)) / latencies.total)));
}

/** A conservative upper bound for a rate measured as bad/total (≈ 97.5% Poisson bound). */
const upperRate = (bad: number, total: number) => (bad + 2 * Math.sqrt(bad) + 3) / total;

/**
 * The fewest baseline requests a `margin` test takes its P95 bound from: with 200 the 99% upper bound
 * sits near the 98.6th percentile (the seeds' +50% became +78% to +115%); with 2,000 near the 96th.
 */
export const MARGIN_BASELINE_MIN = 2000;

/** What the canary arm and the baseline arm are called in outcomes: an arm label, the version or the release id. */
function labels(context: SourceContext) {
  if (context.restoredFrom) {
    // Back after a rollback: the restored release is what the baseline arm served; nothing is compared
    // concurrently (there is no canary left), and the rolled-back release's labels count for neither arm.
    return { candidate: [context.release.version, context.release.id, 'baseline', 'stable'], baseline: [] };
  }
  const candidate = ['canary', context.release.version, context.release.id];
  const baseline = ['baseline', 'stable', ...(context.previous ? [context.previous.version, context.previous.id] : [])];
  return { candidate, baseline };
}

class IngestSource implements SignalSource {
  private baselineP95: number | undefined;
  private rates: { errorRate: number; slowRate: number } | undefined;
  private baselineLatency: { histogram: Uint32Array; total: number } | undefined;
  private baselineValues: Record<string, number> = {};
  /** Buckets the judge has read, up to (not including) `until`: never changed after. */
  private judged: { until: number; buckets: ArmBucket[] } | undefined;

  constructor(private readonly deps: SourceDeps) {}

  async read(context: SourceContext): Promise<SignalReading> {
    const agg = this.deps.aggregator;
    const { service, environment, now, deployedAt } = context;
    const { candidate, baseline } = labels(context);
    if (this.baselineP95 === undefined) {
      // Fixed once per release: the baseline before the deploy, or (canary arms) its first minutes.
      // A restored release's "before" is its own traffic just before the bad release replaced it.
      const restored = context.restoredFrom;
      const before = restored
        ? agg.window(service, environment, candidate, restored.deployedAt - BASELINE_WINDOW_MS, restored.deployedAt)
        : agg.window(service, environment, baseline, deployedAt - BASELINE_WINDOW_MS, deployedAt);
      const concurrent = agg.window(service, environment, baseline, deployedAt, now + 1);
      const source = before.total >= 100 ? before : concurrent.total >= 200 ? concurrent : undefined;
      if (source?.p95 !== undefined) {
        this.baselineP95 = source.p95;
        this.baselineValues = { p95: source.p95, latency: source.p95 };
        if (source.p99 !== undefined) this.baselineValues.p99 = source.p99;
        if (source.errorRate !== undefined) this.baselineValues.error_rate = source.errorRate;
        if (source === before) {
          this.rates = { errorRate: upperRate(before.errors, before.total), slowRate: upperRate(countAbove(before.histogram, source.p95), before.total) };
        }
      }
    }
    if (this.baselineLatency === undefined) {
      // Fixed once, from the pre-release window or from enough concurrent baseline traffic, never from a few hundred.
      const restored = context.restoredFrom;
      const before = restored
        ? agg.window(service, environment, candidate, restored.deployedAt - BASELINE_WINDOW_MS, restored.deployedAt)
        : agg.window(service, environment, baseline, deployedAt - BASELINE_WINDOW_MS, deployedAt);
      const source = before.total >= MARGIN_BASELINE_MIN ? before : restored ? undefined : agg.window(service, environment, baseline, deployedAt, now + 1);
      if (source && source.total >= MARGIN_BASELINE_MIN) this.baselineLatency = { histogram: source.histogram, total: source.total };
    }
    const win = agg.window(service, environment, candidate, Math.max(now - MINUTE, deployedAt), now + 1);
    if (win.total === 0) return { baseline: this.baselineValues };
    return {
      baseline: this.baselineValues,
      samples: {
        error_rate: { at: now, value: win.errorRate, numerator: win.errors, denominator: win.total },
        // The request count rides along, so rules can refuse a P95 read from too few requests.
        p95: { at: now, value: win.p95, denominator: win.total },
        p99: { at: now, value: win.p99, denominator: win.total },
        latency: { at: now, value: win.p95, denominator: win.total },
        count: { at: now, value: win.total },
      },
    };
  }

  arms(context: SourceContext): ArmBucket[] {
    const { candidate, baseline } = labels(context);
    const bucketMs = this.deps.aggregator.bucketMs;
    // Buckets that start before `settled` closed at least the settle time ago.
    const settled = Math.floor((context.now - (this.deps.judgeSettleMs ?? JUDGE_SETTLE_MS)) / bucketMs) * bucketMs;
    if (!this.judged) this.judged = { until: context.deployedAt, buckets: [] };
    if (settled > this.judged.until) {
      this.judged.buckets.push(...this.deps.aggregator.arms(context.service, context.environment, candidate, baseline, this.judged.until, settled, this.baselineP95, this.deps.withHistogram));
      this.judged.until = settled;
    }
    return this.judged.buckets;
  }

  baselineRates() {
    return this.rates;
  }

  baselineQuantile(q: number) {
    return upperQuantile(this.baselineLatency, q);
  }

  baselinePoint(q: number) {
    return this.baselineLatency ? quantileOf(this.baselineLatency.histogram, q) : undefined;
  }
}

export const ingestSource: SignalSourceDefinition<IngestConfig, 'ingest'> = {
  kind: 'ingest',
  schema: ingestSignalSchema,
  description: 'request outcomes pushed to POST /api/v1/ingest or labelled by the router',
  metrics: {
    error_rate: { unit: 'ratio', judged: 'errors' },
    p95: { unit: 'ms', judged: 'latency' },
    p99: { unit: 'ms', judged: 'latency' },
    latency: { unit: 'ms', judged: 'latency' },
    count: { unit: 'count' },
  },
  create: (_name, _config, deps) => new IngestSource(deps),
};
