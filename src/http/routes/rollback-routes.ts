import { z } from 'zod';
import { RipcordError } from '../../core/errors.js';
import type { RollbacksModule } from '../../rollbacks-module.js';
import { defineRoute } from '../api-route.js';
import { limitField, nameField } from './api-schemas.js';

const stepSchema = z.object({
  index: z.number(),
  phase: z.enum(['rollback', 'verify']),
  name: z.string(),
  definition: z.object({ provider: z.string(), action: z.string(), timeoutMs: z.number(), retries: z.number() }).loose(),
  status: z.string(),
  attempts: z.number(),
  usedFallback: z.boolean(),
  summary: z.string().optional(),
  error: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  durationMs: z.number().optional(),
});

export const planSchema = z.object({
  id: z.string(),
  service: z.string(),
  environment: z.string(),
  releaseId: z.string().optional(),
  targetReleaseId: z.string().optional(),
  reason: z.string(),
  actor: z.string(),
  severity: z.string().optional(),
  status: z.string(),
  state: z.string().optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  steps: z.array(stepSchema),
});

const startBody = z.strictObject({
  environment: nameField,
  /** A version to go back to; default: the last known good release. */
  to: z.string().min(1).max(128).optional(),
  reason: z.string().min(1).max(500).optional(),
  severity: z.enum(['P0', 'P1', 'P2', 'P3']).optional(),
  force: z.boolean().optional(),
  dry_run: z.boolean().optional(),
});

/** Rollbacks: start one (or dry-run it), list plans with their step logs. */
export function rollbackRoutes(deps: { rollbacks?: RollbacksModule | undefined }) {
  const rollbacks = () => {
    if (!deps.rollbacks) throw new RipcordError('unavailable', 'this server runs without a ripcord.yaml, so it has no rollback plan: start it with --config');
    return deps.rollbacks.executor;
  };
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/rollbacks',
      summary: 'Start a rollback of an environment (or, with dry_run, show the plan: target release and every step)',
      tag: 'rollbacks',
      role: 'operator',
      acts: { on: 'environment', in: 'body', field: 'environment' },
      body: startBody,
      response: z.object({ plan: planSchema, target: z.object({ id: z.string(), version: z.string() }), release: z.object({ id: z.string(), version: z.string() }), descriptions: z.array(z.string()) }),
      status: 202,
      handler: async ({ body, actor }) => {
        const executor = rollbacks();
        const request = { environment: body.environment, to: body.to, reason: body.reason ?? `manual rollback by ${actor}`, actor, severity: body.severity, force: body.force };
        const prepared = await executor.prepare(request);
        const plan = body.dry_run ? prepared.plan : await executor.start(request);
        return {
          plan,
          target: { id: prepared.target.id, version: prepared.target.version },
          release: { id: prepared.release.id, version: prepared.release.version },
          descriptions: prepared.descriptions,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/releases/rollout',
      summary: 'Release a version: safeguards, deploy through the provider, watch; a rollback decision runs the plan by itself',
      tag: 'rollbacks',
      role: 'operator',
      acts: { on: 'environment', in: 'body', field: 'environment' },
      body: z.strictObject({
        environment: nameField,
        version: z.string().min(1).max(128),
        commit: z.string().max(64).optional(),
        force: z.boolean().optional(),
        /** Milliseconds to watch before verifying (default 5 minutes). */
        watch_ms: z.number().int().min(0).max(24 * 3_600_000).optional(),
      }),
      response: z.object({ id: z.string(), version: z.string(), status: z.string(), previousReleaseId: z.string().optional() }),
      status: 202,
      handler: async ({ body, actor }) => {
        if (!deps.rollbacks) throw new RipcordError('unavailable', 'this server runs without a ripcord.yaml: start it with --config to release through it');
        const release = await deps.rollbacks.releases.release({ environment: body.environment, version: body.version, commit: body.commit, force: body.force, actor, watchMs: body.watch_ms ?? 5 * 60_000 });
        return { id: release.id, version: release.version, status: release.status, previousReleaseId: release.previousReleaseId };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/rollbacks',
      summary: 'Rollback plans with their step logs, newest first',
      tag: 'rollbacks',
      role: 'viewer',
      acts: { on: 'list', in: 'query', field: 'environment' },
      query: z.strictObject({ environment: nameField.optional(), limit: limitField }),
      response: z.object({ plans: z.array(planSchema) }),
      handler: async ({ query, scope }) => ({ plans: await rollbacks().list({ ...query, environments: scope }) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/rollbacks/{id}',
      summary: 'One rollback plan with its step log (status, attempts, timings)',
      tag: 'rollbacks',
      role: 'viewer',
      acts: { on: 'rollback', param: 'id' },
      params: z.strictObject({ id: z.string().min(1).max(100) }),
      response: planSchema,
      handler: async ({ params }) => rollbacks().get(params.id),
    }),
  ];
}
