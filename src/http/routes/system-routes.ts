import { z } from 'zod';
import type { RipcordConfig } from '../../config/ripcord-config.js';
import { RipcordError } from '../../core/errors.js';
import { redactValue } from '../../core/secrets.js';
import { listAudit } from '../../store/audit-store.js';
import { pingStore, type Store } from '../../store/open-store.js';
import { type ApiRoute, defineRoute } from '../api-route.js';
import type { HttpMetrics } from '../http-metrics.js';
import { openApiDocument } from '../openapi.js';
import { limitField } from './api-schemas.js';

export interface SystemDeps {
  store: Store;
  metrics: HttpMetrics;
  config?: RipcordConfig | undefined;
  version: string;
  /** All routes, for the OpenAPI document (read when the document is asked for). */
  routes: () => readonly ApiRoute[];
}

const auditCursor = {
  encode: (entry: { at: string; id: string }) => Buffer.from(`${entry.at}|${entry.id}`).toString('base64url'),
  decode: (cursor: string) => {
    const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
    if (!at || !id) throw new RipcordError('invalid_input', 'cursor is not one this server gave out', [{ path: 'query.cursor', message: 'unknown cursor' }]);
    return { at, id };
  },
};

/** Liveness, readiness, metrics, the API document, the audit log and the loaded config. */
export function systemRoutes(deps: SystemDeps) {
  return [
    defineRoute({
      method: 'GET',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      tag: 'system',
      role: null,
      acts: { on: 'nothing' },
      response: z.object({ status: z.literal('ok') }),
      handler: async () => ({ status: 'ok' as const }),
    }),
    defineRoute({
      method: 'GET',
      path: '/readyz',
      summary: 'Readiness: the store answers a query',
      tag: 'system',
      role: null,
      acts: { on: 'nothing' },
      response: z.object({ status: z.literal('ready'), store: z.string() }),
      handler: async () => {
        try {
          await pingStore(deps.store);
        } catch {
          throw new RipcordError('unavailable', `the store (${deps.store.dialect}) does not answer`);
        }
        return { status: 'ready' as const, store: deps.store.dialect };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/metrics',
      summary: 'Prometheus metrics (text exposition format); a viewer token without an environment limit (labels name every environment)',
      tag: 'system',
      role: 'viewer',
      acts: { on: 'everything' },
      produces: 'text/plain; version=0.0.4; charset=utf-8',
      handler: async () => deps.metrics.registry.metrics(),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/openapi.json',
      summary: 'This API, described as OpenAPI 3.1',
      tag: 'system',
      role: null,
      acts: { on: 'nothing' },
      handler: async () => openApiDocument(deps.routes(), deps.version),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/audit',
      summary: 'The audit log, newest first: who changed what, when',
      tag: 'system',
      role: 'admin',
      acts: { on: 'everything' },
      query: z.strictObject({ limit: limitField, cursor: z.string().max(500).optional(), target: z.string().max(100).optional() }),
      response: z.object({
        entries: z.array(z.object({ id: z.string(), at: z.string(), actor: z.string(), action: z.string(), target: z.string().optional(), details: z.record(z.string(), z.unknown()).optional() })),
        nextCursor: z.string().optional(),
      }),
      handler: async ({ query }) => {
        const limit = query.limit ?? 50;
        const entries = await listAudit(deps.store.db, { limit: limit + 1, before: query.cursor ? auditCursor.decode(query.cursor) : undefined, target: query.target });
        const page = entries.slice(0, limit);
        const last = page[page.length - 1];
        return { entries: redactValue(page), nextCursor: entries.length > limit && last ? auditCursor.encode(last) : undefined };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/config',
      summary: 'The loaded ripcord.yaml with defaults filled in, secrets redacted',
      tag: 'system',
      role: 'admin',
      acts: { on: 'everything' },
      handler: async () => {
        if (!deps.config) throw new RipcordError('not_found', 'this server runs without a ripcord.yaml (start it with --config)');
        return redactValue(deps.config);
      },
    }),
  ];
}
