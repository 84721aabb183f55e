/** One outcome an app reports for a user who was served a flag variant: `ok: false` is an error. */
export interface FlagOutcome {
  service: string;
  environment: string;
  flag: string;
  variant: string;
  ok: boolean;
  /** Epoch ms. */
  at: number;
}

export interface VariantCounts {
  total: number;
  errors: number;
}

/** Per-second counts of one flag's two variants, oldest first: what the judge is fed. */
export interface VariantBucket {
  at: number;
  new: VariantCounts;
  old: VariantCounts;
}

const BUCKET_MS = 1000;
/** Kept per flag variant: an hour of seconds, more than any kill switch needs to decide. */
const KEEP_MS = 60 * 60_000;

/**
 * Outcomes per flag variant, in one-second buckets, in memory (like the release outcomes the canary
 * judge reads): the evidence the kill switch decides on.
 */
export class FlagOutcomes {
  private readonly buckets = new Map<string, Map<number, VariantCounts>>();

  record(outcome: FlagOutcome): void {
    const key = `${outcome.service}\n${outcome.environment}\n${outcome.flag}\n${outcome.variant}`;
    let series = this.buckets.get(key);
    if (!series) {
      series = new Map();
      this.buckets.set(key, series);
    }
    const at = Math.floor(outcome.at / BUCKET_MS) * BUCKET_MS;
    const counts = series.get(at) ?? { total: 0, errors: 0 };
    counts.total += 1;
    if (!outcome.ok) counts.errors += 1;
    series.set(at, counts);
    if (series.size > KEEP_MS / BUCKET_MS) {
      const oldest = Math.min(...series.keys());
      series.delete(oldest);
    }
  }

  /** Both variants' buckets from `since` (epoch ms) on, by second. */
  variantBuckets(service: string, environment: string, flag: string, variants: { new: string; old: string }, since: number): VariantBucket[] {
    const series = (variant: string) => this.buckets.get(`${service}\n${environment}\n${flag}\n${variant}`) ?? new Map<number, VariantCounts>();
    const fresh = series(variants.new);
    const old = series(variants.old);
    const seconds = [...new Set([...fresh.keys(), ...old.keys()])].filter((at) => at + BUCKET_MS > since).sort((a, b) => a - b);
    return seconds.map((at) => ({ at, new: fresh.get(at) ?? { total: 0, errors: 0 }, old: old.get(at) ?? { total: 0, errors: 0 } }));
  }
}
