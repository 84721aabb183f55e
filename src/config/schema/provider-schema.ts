import { z } from 'zod';
import { durationField, urlField } from './fields.js';

/**
 * One entry per platform ripcord can act on. The schema is here so `validate` knows every kind;
 * each provider's code lives in src/providers/<kind>/ and reads its part of this config.
 */
export const providerSchemas = {
  /** In-memory double used by the demo, the docs and the tests. */
  memory: z.strictObject({ kind: z.literal('memory') }),
  command: z.strictObject({
    kind: z.literal('command'),
    deploy: z.string().min(1),
    rollback: z.string().min(1).optional(),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
    timeout: durationField.optional(),
  }),
  router: z.strictObject({
    kind: z.literal('router'),
    listen: z.string().regex(/^[\w.-]*:\d+$/, { error: 'expected host:port like 127.0.0.1:8080' }),
    upstreams: z.record(z.string(), urlField).optional(),
    drain: durationField.optional(),
    /** Path probed on the target upstream before traffic moves to it (default `/`); any answer below 500 is healthy. */
    health: z.string().regex(/^\//, { error: 'expected a path starting with /, like /health' }).optional(),
    /** Probes that must all pass before a switch (default 3; 0 turns the check off). */
    health_probes: z.number().int().min(0).max(20).optional(),
    /** The admin interface of `ripcord router` (its own process): host:port; default a port picked at first start, kept in the state folder. */
    admin: z.string().regex(/^[\w.-]*:\d+$/, { error: 'expected host:port like 127.0.0.1:8081' }).optional(),
  }),
  process: z.strictObject({
    kind: z.literal('process'),
    command: z.string().min(1),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    health: z.string().optional(),
  }),
  git: z.strictObject({
    kind: z.literal('git'),
    repository: z.string().min(1),
    branch: z.string().min(1).optional(),
    remote: z.string().min(1).optional(),
    force: z.boolean().optional(),
  }),
  vercel: z.strictObject({
    kind: z.literal('vercel'),
    project: z.string().min(1),
    token: z.string().min(1),
    team: z.string().optional(),
    api: urlField.optional(),
  }),
  netlify: z.strictObject({ kind: z.literal('netlify'), site: z.string().min(1), token: z.string().min(1), api: urlField.optional() }),
  render: z.strictObject({ kind: z.literal('render'), service: z.string().min(1), token: z.string().min(1), api: urlField.optional() }),
  kubernetes: z.strictObject({
    kind: z.literal('kubernetes'),
    deployment: z.string().min(1),
    namespace: z.string().optional(),
    context: z.string().optional(),
  }),
  docker: z.strictObject({ kind: z.literal('docker'), container: z.string().min(1), image: z.string().min(1) }),
  's3-cloudfront': z.strictObject({
    kind: z.literal('s3-cloudfront'),
    bucket: z.string().min(1),
    backup_bucket: z.string().min(1),
    distribution: z.string().min(1),
    region: z.string().optional(),
  }),
} as const;

export type ProviderKind = keyof typeof providerSchemas;
export const PROVIDER_KINDS = Object.keys(providerSchemas) as ProviderKind[];

export const providerSchema = z.discriminatedUnion(
  'kind',
  Object.values(providerSchemas) as unknown as [
    (typeof providerSchemas)[ProviderKind],
    ...(typeof providerSchemas)[ProviderKind][],
  ],
  { error: `expected provider.kind to be one of: ${PROVIDER_KINDS.join(', ')}` },
);

export type ProviderConfig = z.output<typeof providerSchema>;
