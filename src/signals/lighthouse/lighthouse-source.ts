import { z } from 'zod';
import { durationField, urlField } from '../../config/schema/fields.js';
import type { Sample } from '../../detection/measurement.js';
import type { SignalReading, SignalSource, SignalSourceDefinition, SourceContext } from '../signal-source.js';
import { type LighthouseMeasurement, runLighthouse } from './run-lighthouse.js';

/**
 * `signals.<name>.lighthouse`: the performance score (0–100) and Web Vitals of a page, measured by the
 * `lighthouse` package in Chromium (seed 004 rolls back below 70). A run takes 10–30 s, so the default
 * is every 10 minutes; the worst of several URLs is what triggers read.
 */
export const lighthouseSignalSchema = z.strictObject({
  lighthouse: z.strictObject({
    url: z.union([urlField, z.array(urlField).min(1)]),
    chrome_path: z.string().min(1).optional(),
    timeout: durationField.optional(),
  }),
  every: durationField.optional(),
});
type LighthouseConfig = z.output<typeof lighthouseSignalSchema>;

export type LighthouseRunner = typeof runLighthouse;

class LighthouseSource implements SignalSource {
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly config: LighthouseConfig,
    private readonly run: LighthouseRunner,
  ) {}

  async read(context: SourceContext): Promise<SignalReading> {
    const { now } = context;
    if (now - this.last < (this.config.every ?? 600_000)) return {};
    this.last = now;
    const { url, chrome_path, timeout } = this.config.lighthouse;
    const urls = Array.isArray(url) ? url : [url];
    // One at a time: two Chromiums on a small machine measure each other.
    const results: (LighthouseMeasurement | { error: string })[] = [];
    for (const u of urls) results.push(await this.run(u, { chromePath: chrome_path, timeoutMs: timeout }));
    const failed = results.find((r): r is { error: string } => 'error' in r);
    if (failed) {
      const sample: Sample = { at: now, error: failed.error };
      return { samples: { score: sample, lcp: sample, tbt: sample, cls: sample } };
    }
    const measured = results as LighthouseMeasurement[];
    const worst = (pick: (m: LighthouseMeasurement) => number | undefined, lowest = false) => {
      const values = measured.map(pick).filter((v): v is number => v !== undefined);
      return values.length ? (lowest ? Math.min(...values) : Math.max(...values)) : undefined;
    };
    const samples: Record<string, Sample> = { score: { at: now, value: worst((m) => m.score, true) } };
    const lcp = worst((m) => m.lcpMs);
    const tbt = worst((m) => m.tbtMs);
    const cls = worst((m) => m.cls);
    if (lcp !== undefined) samples.lcp = { at: now, value: lcp };
    if (tbt !== undefined) samples.tbt = { at: now, value: tbt };
    if (cls !== undefined) samples.cls = { at: now, value: cls };
    return { samples };
  }
}

/** The definition, with the runner injectable so contract tests need not start Chromium for every check. */
export function lighthouseSourceWith(run: LighthouseRunner): SignalSourceDefinition<LighthouseConfig, 'lighthouse'> {
  return {
    kind: 'lighthouse',
    schema: lighthouseSignalSchema,
    description: 'Lighthouse performance score (0-100) and Web Vitals of given URLs, in Chromium, every 10 min by default',
    metrics: { score: { unit: 'count' }, lcp: { unit: 'ms' }, tbt: { unit: 'ms' }, cls: { unit: 'count' } },
    create: (_name, config) => new LighthouseSource(config, run),
  };
}

export const lighthouseSource = lighthouseSourceWith(runLighthouse);
