import { z } from 'zod';
import type { RipcordConfig } from '../../config/ripcord-config.js';
import type { Ledger } from '../../deployments/ledger.js';
import type { DetectionModule } from '../../detection-module.js';
import { defineRoute } from '../api-route.js';
import { releaseSchema } from './api-schemas.js';

export const environmentStatusSchema = z.object({
  service: z.string(),
  environment: z.string(),
  current: releaseSchema.optional(),
  lastKnownGood: releaseSchema.optional(),
  /** The watcher's verdict on the serving release (issue 3); absent when nothing is watched. */
  verdict: z.object({ state: z.enum(['healthy', 'unhealthy', 'inconclusive']), explanation: z.string(), updatedAt: z.string(), decisionId: z.string().optional() }).optional(),
});

/** Where things stand: per environment, what serves now and what a rollback would return to. */
export function statusRoutes(deps: { ledger: Ledger; config?: RipcordConfig | undefined; detection?: DetectionModule | undefined }) {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/status',
      summary: 'Every environment: the release serving it and the last known good one',
      tag: 'status',
      role: 'viewer',
      acts: { on: 'list' },
      response: z.object({ service: z.string().optional(), environments: z.array(environmentStatusSchema) }),
      handler: async ({ scope }) => {
        const known = Object.keys(deps.config?.environments ?? {}).map((environment) => ({ service: deps.config?.service as string, environment }));
        const summaries = (await deps.ledger.summary(known)).filter((summary) => !scope || scope.includes(summary.environment));
        return {
          service: deps.config?.service,
          environments: summaries.map((summary) => {
            const watch = deps.detection?.detection.verdict(summary.service, summary.environment);
            return watch && watch.releaseId === summary.current?.id
              ? { ...summary, verdict: { state: watch.verdict, explanation: watch.explanation, updatedAt: watch.updatedAt, decisionId: watch.decision?.id } }
              : summary;
          }),
        };
      },
    }),
  ];
}
