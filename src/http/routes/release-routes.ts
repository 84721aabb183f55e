import { z } from 'zod';
import type { RipcordConfig } from '../../config/ripcord-config.js';
import { RipcordError } from '../../core/errors.js';
import type { Ledger } from '../../deployments/ledger.js';
import { RELEASE_STATUSES } from '../../deployments/release.js';
import { defineRoute } from '../api-route.js';
import type { HttpMetrics } from '../http-metrics.js';
import { limitField, nameField, releaseDetailsSchema, releaseSchema, snapshotInputSchema, snapshotSchema } from './api-schemas.js';

const idParams = z.strictObject({ id: z.string().min(1).max(100) });

const recordBody = z.strictObject({
  service: nameField.optional(),
  environment: nameField,
  version: z.string().min(1).max(128),
  commit: z.string().min(1).max(128).optional(),
  providerDeploymentId: z.string().min(1).max(500).optional(),
  artifact: z.string().min(1).max(2000).optional(),
  deployedBy: z.string().min(1).max(200).optional(),
  deployedAt: z.iso.datetime({ offset: true }).optional(),
  notes: z.string().max(4000).optional(),
  status: z.enum(['deploying', 'live']).optional(),
  snapshots: z.array(snapshotInputSchema).max(50).optional(),
});

/** Requests may leave `service` out when the server runs with a ripcord.yaml naming it. */
export function serviceOf(given: string | undefined, config: RipcordConfig | undefined, field = 'service'): string {
  const service = given ?? config?.service;
  if (!service) throw new RipcordError('invalid_input', `${field} is required (this server runs without a ripcord.yaml to take it from)`, [{ path: field, message: 'is required' }]);
  return service;
}

export function releaseRoutes(deps: { ledger: Ledger; metrics: HttpMetrics; config?: RipcordConfig | undefined }) {
  const { ledger, metrics, config } = deps;
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/releases',
      summary: 'Record a release (a deploy done by ripcord or elsewhere) with its snapshots',
      tag: 'releases',
      role: 'operator',
      acts: { on: 'environment', in: 'body', field: 'environment' },
      body: recordBody,
      response: releaseDetailsSchema,
      status: 201,
      handler: async ({ body, actor }) => {
        const service = serviceOf(body.service, config, 'body.service');
        const release = await ledger.record({ ...body, service }, actor);
        metrics.releasesRecorded.inc({ service, environment: release.environment });
        return release;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/releases',
      summary: 'Release history, newest first, in pages',
      tag: 'releases',
      role: 'viewer',
      acts: { on: 'list', in: 'query', field: 'environment' },
      query: z.strictObject({
        service: nameField.optional(),
        environment: nameField.optional(),
        status: z.enum(RELEASE_STATUSES).optional(),
        limit: limitField,
        cursor: z.string().max(500).optional(),
      }),
      response: z.object({ releases: z.array(releaseSchema), nextCursor: z.string().optional() }),
      handler: async ({ query, scope }) => ledger.list({ ...query, environments: scope }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/releases/{id}',
      summary: 'One release with its snapshots and status transitions',
      tag: 'releases',
      role: 'viewer',
      acts: { on: 'release', param: 'id' },
      params: idParams,
      response: releaseDetailsSchema,
      handler: async ({ params }) => ledger.get(params.id),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/releases/{id}/transitions',
      summary: 'Change a release status (live, verified, rolled_back, superseded, failed)',
      tag: 'releases',
      role: 'operator',
      acts: { on: 'release', param: 'id' },
      params: idParams,
      body: z.strictObject({ status: z.enum(RELEASE_STATUSES), reason: z.string().max(2000).optional() }),
      response: releaseDetailsSchema,
      handler: async ({ params, body, actor }) => ledger.transition(params.id, body.status, actor, body.reason),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/releases/{id}/stable',
      summary: 'Mark a release stable (known good)',
      tag: 'releases',
      role: 'operator',
      acts: { on: 'release', param: 'id' },
      params: idParams,
      response: releaseDetailsSchema,
      handler: async ({ params, actor }) => ledger.markStable(params.id, actor),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/releases/{id}/snapshots',
      summary: 'Attach a snapshot reference (database backup, config snapshot, artifact backup, tag)',
      tag: 'releases',
      role: 'operator',
      acts: { on: 'release', param: 'id' },
      params: idParams,
      body: snapshotInputSchema,
      response: snapshotSchema,
      status: 201,
      handler: async ({ params, body, actor }) => ledger.addSnapshot(params.id, body, actor),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/environments/{env}/last-known-good',
      summary: 'The newest verified or stable release of an environment that was not rolled back',
      tag: 'releases',
      role: 'viewer',
      acts: { on: 'environment', in: 'params', field: 'env' },
      params: z.strictObject({ env: nameField }),
      query: z.strictObject({ service: nameField.optional() }),
      response: releaseSchema,
      handler: async ({ params, query }) => {
        const service = serviceOf(query.service, config, 'query.service');
        const release = await ledger.lastKnownGood(service, params.env);
        if (!release) throw new RipcordError('not_found', `${service}/${params.env} has no verified or stable release yet`);
        return release;
      },
    }),
  ];
}
