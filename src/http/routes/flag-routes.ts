import { z } from 'zod';
import type { RipcordConfig } from '../../config/ripcord-config.js';
import { flagDefinitionSchema, flagKeyField } from '../../flags/flag-definition.js';
import type { FlagService } from '../../flags/flag-service.js';
import { defineRoute } from '../api-route.js';
import { nameField } from './api-schemas.js';
import { serviceOf } from './release-routes.js';

const envParams = z.strictObject({ env: nameField });
const flagParams = z.strictObject({ env: nameField, key: flagKeyField });
const serviceQuery = z.strictObject({ service: nameField.optional() });

const flagRecordSchema = z.object({
  service: z.string(),
  environment: z.string(),
  key: z.string(),
  definition: flagDefinitionSchema,
  version: z.number(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});

/** Flag management and the seed 003 kill switch: `PATCH /api/v1/environments/{env}/flags`. */
export function flagRoutes(deps: { flags: FlagService; config?: RipcordConfig | undefined }) {
  const { flags, config } = deps;
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/environments/{env}/flags',
      summary: "An environment's flags with their definitions and versions",
      tag: 'flags',
      role: 'viewer',
      acts: { on: 'environment', in: 'params', field: 'env' },
      params: envParams,
      query: serviceQuery,
      response: z.object({ flags: z.array(flagRecordSchema) }),
      handler: async ({ params, query }) => ({ flags: await flags.list(serviceOf(query.service, config, 'query.service'), params.env) }),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/environments/{env}/flags',
      summary: 'Kill switch: turn flags on or off, all or none, e.g. {"splitViewLayout": {"enabled": false}}',
      tag: 'flags',
      role: 'operator',
      acts: { on: 'environment', in: 'params', field: 'env' },
      params: envParams,
      query: z.strictObject({ service: nameField.optional(), reason: z.string().max(2000).optional() }),
      body: z.record(flagKeyField, z.strictObject({ enabled: z.boolean() })).refine((body) => Object.keys(body).length > 0, { error: 'name at least one flag' }),
      response: z.object({ flags: z.array(z.object({ key: z.string(), enabled: z.boolean(), version: z.number() })) }),
      handler: async ({ params, query, body, actor }) => {
        const changed = await flags.setEnabled(serviceOf(query.service, config, 'query.service'), params.env, body, actor, query.reason);
        return { flags: changed.map((f) => ({ key: f.key, enabled: f.definition.state === 'ENABLED', version: f.version })) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/environments/{env}/flags/{key}',
      summary: 'One flag',
      tag: 'flags',
      role: 'viewer',
      acts: { on: 'environment', in: 'params', field: 'env' },
      params: flagParams,
      query: serviceQuery,
      response: flagRecordSchema,
      handler: async ({ params, query }) => flags.get(serviceOf(query.service, config, 'query.service'), params.env, params.key),
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/v1/environments/{env}/flags/{key}',
      summary: 'Create or replace a flag (flagd flag-definition format)',
      tag: 'flags',
      role: 'operator',
      acts: { on: 'environment', in: 'params', field: 'env' },
      params: flagParams,
      query: z.strictObject({ service: nameField.optional(), reason: z.string().max(2000).optional() }),
      body: flagDefinitionSchema,
      response: flagRecordSchema,
      handler: async ({ params, query, body, actor }) => flags.put(serviceOf(query.service, config, 'query.service'), params.env, params.key, body, actor, query.reason),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/environments/{env}/flags/{key}/history',
      summary: 'Every version of a flag: who changed it, when, why',
      tag: 'flags',
      role: 'viewer',
      acts: { on: 'environment', in: 'params', field: 'env' },
      params: flagParams,
      query: serviceQuery,
      response: z.object({ changes: z.array(z.object({ version: z.number(), definition: flagDefinitionSchema, actor: z.string(), reason: z.string().optional(), at: z.string() })) }),
      handler: async ({ params, query }) => ({ changes: await flags.history(serviceOf(query.service, config, 'query.service'), params.env, params.key) }),
    }),
  ];
}
