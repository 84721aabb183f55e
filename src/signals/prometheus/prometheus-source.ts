import { z } from 'zod';
import { durationField, urlField } from '../../config/schema/fields.js';
import type { ArmBucket, Sample } from '../../detection/measurement.js';
import { fillQuery, PrometheusClient, type PromReading } from '../prometheus-client.js';
import type { SignalReading, SignalSource, SignalSourceDefinition, SourceContext } from '../signal-source.js';

export const prometheusSignalSchema = z.strictObject({
  prometheus: z.strictObject({
    url: urlField,
    /** PromQL for the error ratio, or errors and total separately; `{release}`/`{arm}` are filled in. */
    error_ratio: z.string().optional(),
    errors: z.string().optional(),
    total: z.string().optional(),
    rate: z.string().optional(),
    p95: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  every: durationField.optional(),
});
type PrometheusConfig = z.output<typeof prometheusSignalSchema>;

type Counts = { errors: number; total: number };

class PrometheusSource implements SignalSource {
  private last = Number.NEGATIVE_INFINITY;
  private counters: { canary?: Counts | undefined; baseline?: Counts | undefined } | undefined;
  private readonly buckets: ArmBucket[] = [];
  private readonly client: PrometheusClient;

  constructor(private readonly config: PrometheusConfig) {
    this.client = new PrometheusClient(config.prometheus.url, config.prometheus.headers);
  }

  async read(context: SourceContext): Promise<SignalReading> {
    const { now } = context;
    if (now - this.last < (this.config.every ?? 15_000)) return {};
    this.last = now;
    const p = this.config.prometheus;
    const canary = { release: context.release.version, arm: 'canary' };
    const base = { release: context.previous?.version ?? '', arm: 'baseline' };
    const read = (template: string | undefined, labels: typeof canary): Promise<PromReading | undefined> =>
      template ? this.client.instant(fillQuery(template, labels), now).catch((error: unknown) => ({ error: String((error as Error)?.message ?? error) })) : Promise.resolve(undefined);
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
    const samples: Record<string, Sample> = {};
    const baseline: Record<string, number> = {};
    const ratioSample = sample(ratio);
    if (ratioSample) samples.error_rate = ratioSample;
    const p95Sample = sample(p95);
    // PromQL latency is usually in seconds (histogram_quantile over _seconds buckets); triggers read ms.
    if (p95Sample) samples.p95 = p95Sample.value !== undefined ? { ...p95Sample, value: p95Sample.value * 1000 } : p95Sample;
    const rateSample = sample(rate);
    if (rateSample) samples.rate = rateSample;
    if (baseP95 && 'value' in baseP95) baseline.p95 = baseP95.value * 1000;
    if (baseRatio && 'value' in baseRatio) baseline.error_rate = baseRatio.value;

    // Counters → per-read deltas per arm: what the canary judge counts.
    if (errors && total) {
      const counts = (e: PromReading | undefined, t: PromReading | undefined) => (e && t && 'value' in e && 'value' in t ? { errors: e.value, total: t.value } : undefined);
      const c = counts(errors, total);
      const b = counts(baseErrors, baseTotal);
      if (!c) {
        samples.error_rate = { at: now, error: 'error' in errors ? errors.error : 'error' in total ? total.error : 'no value' };
        return { samples, baseline };
      }
      const last = this.counters;
      this.counters = { canary: c, baseline: b };
      if (!ratioSample && last?.canary) {
        const dTotal = c.total - last.canary.total;
        const dErrors = c.errors - last.canary.errors;
        if (dTotal > 0) samples.error_rate = { at: now, value: dErrors / dTotal, numerator: Math.round(dErrors), denominator: Math.round(dTotal) };
      }
      if (last?.canary && last.baseline && b) {
        const delta = (x: number, y: number) => Math.max(0, Math.round(x - y));
        this.buckets.push({
          at: now,
          canary: { total: delta(c.total, last.canary.total), errors: delta(c.errors, last.canary.errors), slow: 0 },
          baseline: { total: delta(b.total, last.baseline.total), errors: delta(b.errors, last.baseline.errors), slow: 0 },
        });
      }
    }
    return { samples, baseline };
  }

  arms(): ArmBucket[] {
    return this.buckets;
  }
}

export const prometheusSource: SignalSourceDefinition<PrometheusConfig, 'prometheus'> = {
  kind: 'prometheus',
  schema: prometheusSignalSchema,
  description: 'PromQL queries per release and arm ({release}, {arm} filled in), every 15 s by default',
  metrics: { error_rate: { unit: 'ratio', judged: 'errors' }, p95: { unit: 'ms' }, rate: { unit: 'count' } },
  create: (_name, config) => new PrometheusSource(config),
};
