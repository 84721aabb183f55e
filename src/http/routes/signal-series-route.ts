import { z } from 'zod';
import type { RipcordConfig } from '../../config/ripcord-config.js';
import type { DetectionModule } from '../../detection-module.js';
import { HISTOGRAM_BINS, quantileOf } from '../../signals/latency-histogram.js';
import { defineRoute } from '../api-route.js';
import { nameField } from './api-schemas.js';
import { serviceOf } from './release-routes.js';

const pointSchema = z.object({ at: z.string(), total: z.number(), errors: z.number(), errorRate: z.number().nullable(), p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() });

/**
 * `GET /api/v1/environments/{env}/series`: request outcomes over time per release label (a version, or the
 * `canary` / `baseline` arms), in steps: counts, error rate, latency quantiles. What the release view charts;
 * read from the same in-memory buckets the watcher judges (the last 3 hours).
 */
export function signalSeriesRoutes(deps: { detection?: DetectionModule | undefined; config?: RipcordConfig | undefined }) {
  const module = deps.detection;
  if (!module) return [];
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/environments/{env}/series',
      summary: 'Request outcomes over time per release or arm: counts, error rate, p50/p95/p99 (the release view charts)',
      tag: 'signals',
      role: 'viewer',
      acts: { on: 'environment', in: 'params', field: 'env' },
      params: z.strictObject({ env: nameField }),
      query: z.strictObject({
        service: nameField.optional(),
        minutes: z.coerce.number().int().min(1).max(180).optional(),
        step_seconds: z.coerce.number().int().min(1).max(3600).optional(),
      }),
      response: z.object({ from: z.string(), to: z.string(), stepSeconds: z.number(), releases: z.record(z.string(), z.array(pointSchema)) }),
      handler: async ({ params, query }) => {
        const service = serviceOf(query.service, deps.config, 'query.service');
        const step = (query.step_seconds ?? 10) * 1000;
        const to = Math.ceil(module.clock.now().getTime() / step) * step;
        const from = to - (query.minutes ?? 30) * 60_000;
        const releases: Record<string, z.output<typeof pointSchema>[]> = {};
        for (const release of module.aggregator.releases(service, params.env)) {
          // One step of merged one-second buckets: counts add up, histograms add bin by bin.
          const steps: { start: number; total: number; errors: number; histogram: number[] }[] = [];
          for (const bucket of module.aggregator.buckets(service, params.env, release, from, to)) {
            const start = Math.floor(bucket.start / step) * step;
            let current = steps.at(-1);
            if (current?.start !== start) {
              current = { start, total: 0, errors: 0, histogram: new Array<number>(HISTOGRAM_BINS).fill(0) };
              steps.push(current);
            }
            current.total += bucket.total;
            current.errors += bucket.errors;
            for (let i = 0; i < bucket.histogram.length; i++) current.histogram[i] = (current.histogram[i] ?? 0) + (bucket.histogram[i] ?? 0);
          }
          releases[release] = steps.map((p) => ({
            at: new Date(p.start).toISOString(),
            total: p.total,
            errors: p.errors,
            errorRate: p.total ? p.errors / p.total : null,
            p50: quantileOf(p.histogram, 0.5) ?? null,
            p95: quantileOf(p.histogram, 0.95) ?? null,
            p99: quantileOf(p.histogram, 0.99) ?? null,
          }));
        }
        return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), stepSeconds: step / 1000, releases };
      },
    }),
  ];
}
