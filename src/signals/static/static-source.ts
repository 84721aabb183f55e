import { z } from 'zod';
import type { Sample } from '../../detection/measurement.js';
import type { MetricSpec, SignalReading, SignalSource, SignalSourceDefinition, SourceContext } from '../signal-source.js';

const STATIC_METRICS = {
  error_rate: { unit: 'ratio' },
  p95: { unit: 'ms' },
  latency: { unit: 'ms' },
  count: { unit: 'count' },
  failures: { unit: 'count' },
  score: { unit: 'count' },
} as const satisfies Record<string, MetricSpec>;

const valuesSchema = z.strictObject(Object.fromEntries(Object.keys(STATIC_METRICS).map((m) => [m, z.number().finite().optional()])) as Record<keyof typeof STATIC_METRICS, z.ZodOptional<z.ZodNumber>>);

/**
 * Fixed values, for demos, docs and tests (the double users want too): `static: { values: { error_rate: 0.01 } }`,
 * with other values per release version (`releases: { v2: { error_rate: 0.2 } }`) and `error:` to play a
 * source that cannot be read.
 */
export const staticSignalSchema = z.strictObject({
  static: z.strictObject({
    values: valuesSchema.optional(),
    releases: z.record(z.string(), valuesSchema).optional(),
    error: z.string().min(1).optional(),
  }),
});
type StaticConfig = z.output<typeof staticSignalSchema>;

/** Same config and release, same reading: a pure source. */
export class StaticSignalSource implements SignalSource {
  constructor(private readonly config: StaticConfig['static']) {}

  async read(context: SourceContext): Promise<SignalReading> {
    const values = { ...this.config.values, ...this.config.releases?.[context.release.version] };
    const samples: Record<string, Sample> = {};
    for (const [metric, value] of Object.entries(values)) {
      if (value === undefined) continue;
      samples[metric] = this.config.error !== undefined ? { at: context.now, error: this.config.error } : { at: context.now, value };
    }
    const previous = context.previous ? this.config.releases?.[context.previous.version] : undefined;
    const baseline = Object.fromEntries(Object.entries({ ...this.config.values, ...previous }).filter(([, v]) => v !== undefined)) as Record<string, number>;
    return { samples, baseline };
  }
}

export const staticSource: SignalSourceDefinition<StaticConfig, 'static'> = {
  kind: 'static',
  schema: staticSignalSchema,
  description: 'fixed values (per release if wanted), for demos, docs and tests',
  metrics: STATIC_METRICS,
  create: (_name, config) => new StaticSignalSource(config.static),
};
