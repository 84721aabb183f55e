import type { Kysely } from 'kysely';
import { HISTOGRAM_BINS } from '../signals/latency-histogram.js';
import type { OutcomeRollup, RollupRepository } from '../signals/outcome-aggregator.js';
import type { Database } from './schema.js';

/** Histograms are stored sparse (`{"bin": count}`): most of the 142 bins of a bucket are empty. */
const sparse = (histogram: number[]) => JSON.stringify(Object.fromEntries(histogram.flatMap((count, bin) => (count > 0 ? [[bin, count]] : []))));

function dense(text: string): number[] {
  const histogram = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const [bin, count] of Object.entries(JSON.parse(text) as Record<string, number>)) histogram[Number(bin)] = count;
  return histogram;
}

export class KyselyRollupRepository implements RollupRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async upsert(rollups: OutcomeRollup[]): Promise<void> {
    if (rollups.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      // Chunks keep each statement under SQLite's bound-parameter limit.
      for (let i = 0; i < rollups.length; i += 500) {
        const rows = rollups.slice(i, i + 500).map((r) => ({
          service: r.service,
          environment: r.environment,
          release: r.release,
          bucket_start: new Date(r.bucketStart).toISOString(),
          bucket_ms: r.bucketMs,
          total: r.total,
          errors: r.errors,
          latency_histogram: sparse(r.histogram),
        }));
        await trx
          .insertInto('outcome_rollups')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['service', 'environment', 'release', 'bucket_start']).doUpdateSet((eb) => ({
              total: eb.ref('excluded.total'),
              errors: eb.ref('excluded.errors'),
              latency_histogram: eb.ref('excluded.latency_histogram'),
            })),
          )
          .execute();
      }
    });
  }

  async since(from: number): Promise<OutcomeRollup[]> {
    const rows = await this.db.selectFrom('outcome_rollups').selectAll().where('bucket_start', '>=', new Date(from).toISOString()).orderBy('bucket_start').execute();
    return rows.map((row) => ({
      service: row.service,
      environment: row.environment,
      release: row.release,
      bucketStart: new Date(row.bucket_start).getTime(),
      bucketMs: Number(row.bucket_ms),
      total: Number(row.total),
      errors: Number(row.errors),
      histogram: dense(row.latency_histogram),
    }));
  }
}
