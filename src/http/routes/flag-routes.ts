import { z } from 'zod';
import type { RipcordConfig } from '../../config/ripcord-config.js';
import { flagDefinitionSchema, flagKeyField, flagMetadataSchema } from '../../flags/flag-definition.js';
import type { FlagService } from '../../flags/flag-service.js';
import { type ReleaseFlags, releaseIdOf } from '../../flags/release-flags.js';
import type { FlagOutcomes } from '../../flags/flag-outcomes.js';
import type { FlagKillSwitch } from '../../flags/flag-kill-switch.js';
import type { Ledger } from '../../deployments/ledger.js';
import { RipcordError } from '../../core/errors.js';
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
export function flagRoutes(deps: { flags: FlagService; config?: RipcordConfig | undefined; ledger?: Ledger | undefined; releaseFlags?: ReleaseFlags | undefined; flagOutcomes?: FlagOutcomes | undefined; flagKillSwitch?: FlagKillSwitch | undefined }) {
  const { flags, config } = deps;
  const releaseId = (service: string, environment: string, ref: string, field: string): Promise<string> => {
    if (!deps.ledger) throw new RipcordError('unavailable', 'flag-diff needs the release ledger');
    return releaseIdOf(deps.ledger, service, environment, ref, field);
  };
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/environments/{env}/flag-outcomes',
      summary: "Outcomes per flag variant (OpenFeature track through ripcord's provider): the kill switch's evidence; flag triggers are judged on arrival",
      tag: 'flags',
      role: 'flags',
      acts: { on: 'environment', in: 'params', field: 'env' },
      params: envParams,
      body: z.strictObject({
        outcomes: z
          .array(z.strictObject({ flag: z.string().min(1).max(256), variant: z.string().min(1).max(256), ok: z.boolean(), at: z.number().int().positive().optional() }))
          .min(1)
          .max(10_000),
      }),
      response: z.object({ recorded: z.number(), judgements: z.array(z.object({ flag: z.string(), trigger: z.string(), state: z.string(), explanation: z.string(), killed: z.object({ version: z.number() }).optional() }).loose()) }),
      handler: async ({ params, body }) => {
        if (!deps.flagOutcomes || !deps.config) throw new RipcordError('unavailable', 'flag outcomes need the server to run with a ripcord.yaml naming the service');
        const now = Date.now();
        for (const outcome of body.outcomes) deps.flagOutcomes.record({ service: deps.config.service, environment: params.env, flag: outcome.flag, variant: outcome.variant, ok: outcome.ok, at: outcome.at ?? now });
        const judgements = (await deps.flagKillSwitch?.check(params.env, [...new Set(body.outcomes.map((o) => o.flag))])) ?? [];
        return { recorded: body.outcomes.length, judgements };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/environments/{env}/flag-diff',
      summary: 'What changed in flags between two releases (by version or id): the flag versions recorded with each',
      tag: 'flags',
      role: 'viewer',
      acts: { on: 'environment', in: 'params', field: 'env' },
      params: envParams,
      query: z.strictObject({ service: nameField.optional(), from: z.string().min(1), to: z.string().min(1) }),
      response: z.object({ from: z.string(), to: z.string(), flags: z.array(z.object({ key: z.string(), a: z.object({ version: z.number(), state: z.string() }).optional(), b: z.object({ version: z.number(), state: z.string() }).optional(), fields: z.array(z.string()) })) }),
      handler: async ({ params, query }) => {
        if (!deps.releaseFlags) throw new RipcordError('unavailable', 'flag-diff needs the release flag snapshots');
        const service = serviceOf(query.service, config, 'query.service');
        const [a, b] = await Promise.all([releaseId(service, params.env, query.from, 'query.from'), releaseId(service, params.env, query.to, 'query.to')]);
        return { from: a, to: b, flags: await deps.releaseFlags.diff(a, b) };
      },
    }),
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
      method: 'PUT',
      path: '/api/v1/environments/{env}/flags',
      summary: 'Load a whole flagd document: its flags, $evaluators and flag-set metadata, in one change (flags it does not name stay)',
      tag: 'flags',
      role: 'operator',
      acts: { on: 'environment', in: 'params', field: 'env' },
      params: envParams,
      query: z.strictObject({ service: nameField.optional(), reason: z.string().max(2000).optional() }),
      body: z.looseObject({
        $schema: z.string().optional(),
        flags: z.record(flagKeyField, flagDefinitionSchema),
        $evaluators: z.record(z.string().min(1), z.unknown()).optional(),
        metadata: flagMetadataSchema.optional(),
      }),
      response: z.object({ flags: z.array(flagRecordSchema), flagSet: z.object({ evaluators: z.record(z.string(), z.unknown()), metadata: flagMetadataSchema, version: z.number() }) }),
      handler: async ({ params, query, body, actor }) => {
        const result = await flags.putDocument(
          serviceOf(query.service, config, 'query.service'),
          params.env,
          { flags: body.flags, evaluators: body.$evaluators ?? {}, metadata: body.metadata ?? {} },
          actor,
          query.reason,
        );
        return { flags: result.flags, flagSet: { evaluators: result.set.evaluators, metadata: result.set.metadata, version: result.set.version } };
      },
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
