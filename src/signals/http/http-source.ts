import { z } from 'zod';
import { durationField, urlField } from '../../config/schema/fields.js';
import type { Sample } from '../../detection/measurement.js';
import { type ProbeConfig, runProbe } from '../http-probe.js';
import type { SignalReading, SignalSource, SignalSourceDefinition, SourceContext, SourceDeps } from '../signal-source.js';

/** An HTTP probe: the seeds' health checks and "critical service endpoints". */
const httpProbeSchema = z.strictObject({
  url: urlField,
  method: z.enum(['GET', 'HEAD', 'POST']).optional(),
  expect_status: z.number().int().min(100).max(599).optional(),
  /** Substring the body must contain. */
  body_contains: z.string().optional(),
  /** `$.status == "ok"`-style check on a JSON body: path and expected value. */
  json_path: z.string().optional(),
  json_equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
  timeout: durationField.optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

export const httpSignalSchema = z.strictObject({
  http: z.union([urlField, httpProbeSchema]),
  every: durationField.optional(),
});
type HttpConfig = z.output<typeof httpSignalSchema>;

const FIVE_MINUTES = 5 * 60_000;

class HttpSource implements SignalSource {
  private last = Number.NEGATIVE_INFINITY;
  /** Probe outcomes of the last five minutes: what `success_rate` is computed over. */
  private recent: { at: number; ok: boolean }[] = [];

  constructor(
    private readonly config: HttpConfig,
    private readonly deps: SourceDeps,
  ) {}

  async read(context: SourceContext): Promise<SignalReading> {
    const { now } = context;
    if (now - this.last < (this.config.every ?? 10_000)) return {};
    this.last = now;
    const probe: ProbeConfig = typeof this.config.http === 'string' ? { url: this.config.http } : this.config.http;
    // A probe never throws; an injected one that does is a failed probe, not a failed pass.
    const result = await (this.deps.probe ?? runProbe)(probe).catch((error: unknown) => ({ at: now, ok: false, latencyMs: 0, reason: error instanceof Error ? error.message : String(error) }));
    this.recent = [...this.recent.filter((r) => r.at > now - FIVE_MINUTES), { at: now, ok: result.ok }];
    const okCount = this.recent.filter((r) => r.ok).length;
    const samples: Record<string, Sample> = {
      failures: { at: now, value: result.ok ? 0 : 1 },
      latency: { at: now, value: result.latencyMs },
      success_rate: { at: now, value: okCount / this.recent.length, numerator: okCount, denominator: this.recent.length },
    };
    if (!result.ok) samples.last_failure = { at: now, error: result.reason };
    return { samples };
  }
}

export const httpSource: SignalSourceDefinition<HttpConfig, 'http'> = {
  kind: 'http',
  schema: httpSignalSchema,
  description: 'an HTTP probe of a health or critical endpoint, every 10 s by default',
  metrics: { failures: { unit: 'count' }, latency: { unit: 'ms' }, success_rate: { unit: 'ratio' } },
  create: (_name, config, deps) => new HttpSource(config, deps),
};
