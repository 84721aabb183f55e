import type { ArmBucket } from '../detection/measurement.js';
import { binOf, countAbove, HISTOGRAM_BINS, quantileOf } from './latency-histogram.js';
import type { OutcomeSink, RequestOutcome } from './request-outcome.js';

/** One time bucket of one release (or arm): counts and a latency histogram. */
export interface OutcomeBucket {
  start: number;
  total: number;
  errors: number;
  histogram: Uint32Array;
}

export interface OutcomeRollup {
  service: string;
  environment: string;
  release: string;
  bucketStart: number;
  bucketMs: number;
  total: number;
  errors: number;
  histogram: number[];
}

export interface WindowStats {
  total: number;
  errors: number;
  errorRate?: number | undefined;
  p95?: number | undefined;
  p99?: number | undefined;
  histogram: Uint32Array;
}

const key = (service: string, environment: string, release: string) => `${service}\u0000${environment}\u0000${release}`;

/**
 * Request outcomes aggregated in memory per service/environment/release in time buckets (default 1 s):
 * what ingest, the `ripcord/ingest` middleware and the router provider feed (it is an `OutcomeSink`),
 * and what the watcher and the canary judge read. `drainRollups` hands closed buckets to the store.
 * Recording is a map lookup and an array increment: millions per second.
 */
export class OutcomeAggregator implements OutcomeSink {
  private readonly series = new Map<string, { service: string; environment: string; release: string; buckets: Map<number, OutcomeBucket> }>();
  /** Buckets touched since the last drain, to persist. */
  private readonly dirty = new Set<OutcomeBucket>();
  private readonly dirtyOwner = new Map<OutcomeBucket, string>();

  constructor(
    readonly bucketMs = 1000,
    /** Buckets older than this (relative to the newest outcome seen) are dropped from memory. */
    private readonly retainMs = 3 * 3_600_000,
  ) {}

  record(outcome: RequestOutcome): void {
    const k = key(outcome.service, outcome.environment, outcome.release);
    let entry = this.series.get(k);
    if (!entry) {
      entry = { service: outcome.service, environment: outcome.environment, release: outcome.release, buckets: new Map() };
      this.series.set(k, entry);
    }
    const start = outcome.at - (outcome.at % this.bucketMs);
    let bucket = entry.buckets.get(start);
    if (!bucket) {
      bucket = { start, total: 0, errors: 0, histogram: new Uint32Array(HISTOGRAM_BINS) };
      entry.buckets.set(start, bucket);
    }
    bucket.total += 1;
    if (!outcome.ok) bucket.errors += 1;
    const bin = binOf(outcome.latencyMs);
    bucket.histogram[bin] = (bucket.histogram[bin] as number) + 1;
    if (!this.dirty.has(bucket)) {
      this.dirty.add(bucket);
      this.dirtyOwner.set(bucket, k);
    }
  }

  recordMany(outcomes: Iterable<RequestOutcome>): number {
    let n = 0;
    for (const outcome of outcomes) {
      this.record(outcome);
      n += 1;
    }
    return n;
  }

  /** Releases (or arms) seen for an environment. */
  releases(service: string, environment: string): string[] {
    return [...this.series.values()].filter((s) => s.service === service && s.environment === environment).map((s) => s.release);
  }

  buckets(service: string, environment: string, release: string, from: number, to: number): OutcomeBucket[] {
    const entry = this.series.get(key(service, environment, release));
    if (!entry) return [];
    return [...entry.buckets.values()].filter((b) => b.start >= from && b.start < to).sort((a, b) => a.start - b.start);
  }

  /** Totals over [from, to) for any of the given release labels (e.g. `canary` and the version). */
  window(service: string, environment: string, releases: string[], from: number, to: number): WindowStats {
    const histogram = new Uint32Array(HISTOGRAM_BINS);
    let total = 0;
    let errors = 0;
    for (const release of releases) {
      for (const bucket of this.buckets(service, environment, release, from, to)) {
        total += bucket.total;
        errors += bucket.errors;
        for (let i = 0; i < HISTOGRAM_BINS; i++) histogram[i] = (histogram[i] as number) + (bucket.histogram[i] as number);
      }
    }
    return {
      total,
      errors,
      errorRate: total > 0 ? errors / total : undefined,
      p95: quantileOf(histogram, 0.95),
      p99: quantileOf(histogram, 0.99),
      histogram,
    };
  }

  /**
   * Canary vs baseline per bucket over [from, to): what the canary judge counts. `slowAboveMs` is the
   * baseline's P95 fixed before the release; requests above it are "slow".
   */
  arms(service: string, environment: string, canary: string[], baseline: string[], from: number, to: number, slowAboveMs: number | undefined, withCanaryHistogram = false): ArmBucket[] {
    const byStart = new Map<number, ArmBucket>();
    const add = (releases: string[], arm: 'canary' | 'baseline') => {
      for (const release of releases) {
        for (const bucket of this.buckets(service, environment, release, from, to)) {
          let row = byStart.get(bucket.start);
          if (!row) {
            row = { at: bucket.start, canary: { total: 0, errors: 0, slow: 0 }, baseline: { total: 0, errors: 0, slow: 0 } };
            byStart.set(bucket.start, row);
          }
          row[arm].total += bucket.total;
          row[arm].errors += bucket.errors;
          row[arm].slow += slowAboveMs === undefined ? 0 : countAbove(bucket.histogram, slowAboveMs);
          if (arm === 'canary' && withCanaryHistogram) {
            // A copy: late outcomes must not change a bucket the judge has read.
            const histogram = (row.canary.histogram as Uint32Array | undefined) ?? new Uint32Array(HISTOGRAM_BINS);
            for (let i = 0; i < HISTOGRAM_BINS; i++) histogram[i] = (histogram[i] as number) + (bucket.histogram[i] as number);
            row.canary.histogram = histogram;
          }
        }
      }
    };
    add(canary, 'canary');
    add(baseline, 'baseline');
    return [...byStart.values()].sort((a, b) => a.at - b.at);
  }

  /** Buckets changed since the last call, as rollups to upsert; also drops buckets past retention. */
  drainRollups(now: number): OutcomeRollup[] {
    const rollups: OutcomeRollup[] = [];
    for (const bucket of this.dirty) {
      const entry = this.series.get(this.dirtyOwner.get(bucket) as string);
      if (!entry) continue;
      rollups.push({
        service: entry.service,
        environment: entry.environment,
        release: entry.release,
        bucketStart: bucket.start,
        bucketMs: this.bucketMs,
        total: bucket.total,
        errors: bucket.errors,
        histogram: Array.from(bucket.histogram),
      });
    }
    this.dirty.clear();
    this.dirtyOwner.clear();
    for (const entry of this.series.values()) {
      for (const start of entry.buckets.keys()) if (start < now - this.retainMs) entry.buckets.delete(start);
    }
    return rollups;
  }

  /**
   * Marks drained rollups dirty again when the store refused them (database away), so the next drain
   * writes them: the buckets are still in memory (unless past retention), with any outcomes added since.
   */
  requeue(rollups: OutcomeRollup[]): void {
    for (const rollup of rollups) {
      const k = key(rollup.service, rollup.environment, rollup.release);
      const bucket = this.series.get(k)?.buckets.get(rollup.bucketStart);
      if (bucket && !this.dirty.has(bucket)) {
        this.dirty.add(bucket);
        this.dirtyOwner.set(bucket, k);
      }
    }
  }

  /** Puts persisted rollups back in memory after a restart. */
  restore(rollups: OutcomeRollup[]): void {
    for (const rollup of rollups) {
      const k = key(rollup.service, rollup.environment, rollup.release);
      let entry = this.series.get(k);
      if (!entry) {
        entry = { service: rollup.service, environment: rollup.environment, release: rollup.release, buckets: new Map() };
        this.series.set(k, entry);
      }
      entry.buckets.set(rollup.bucketStart, { start: rollup.bucketStart, total: rollup.total, errors: rollup.errors, histogram: Uint32Array.from(rollup.histogram) });
    }
  }
}

/** Where rollups are persisted; implemented in src/store/. */
export interface RollupRepository {
  upsert(rollups: OutcomeRollup[]): Promise<void>;
  since(from: number): Promise<OutcomeRollup[]>;
}
