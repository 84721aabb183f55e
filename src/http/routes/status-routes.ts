import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RipcordConfig } from '../../config/ripcord-config.js';
import { type Clock, systemClock } from '../../core/clock.js';
import { RipcordError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Ledger } from '../../deployments/ledger.js';
import type { DetectionModule } from '../../detection-module.js';
import type { IncidentService } from '../../incidents/incident-service.js';
import { type Maintenance, type MaintenanceRepository, maintenanceStatus } from '../../incidents/maintenance.js';
import { renderAtomFeed, renderRssFeed } from '../../incidents/status-feed.js';
import { buildStatusPage, renderStatusPageHtml } from '../../incidents/status-page.js';
import { statusSummary } from '../../incidents/status-summary.js';
import type { Store } from '../../store/open-store.js';
import { KyselyMaintenanceRepository } from '../../store/kysely-maintenance-repository.js';
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
export function statusRoutes(deps: {
  ledger: Ledger;
  config?: RipcordConfig | undefined;
  detection?: DetectionModule | undefined;
  incidents?: IncidentService | undefined;
  clock?: Clock | undefined;
  store?: Store | undefined;
  maintenance?: MaintenanceRepository | undefined;
}) {
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
    ...publicStatusRoutes(deps),
  ];
}

const maintenanceSchema = z.object({
  id: z.string(),
  title: z.string(),
  body: z.string(),
  components: z.array(z.string()),
  scheduledFor: z.string(),
  scheduledUntil: z.string(),
  completedAt: z.string().optional(),
  status: z.enum(['scheduled', 'in_progress', 'completed']),
  createdBy: z.string(),
});

/**
 * The public status page (`/status`, no token): components and their state, current incidents with their
 * public updates, scheduled maintenance, 90-day uptime, Atom/RSS feeds and a JSON summary in the shape
 * hosted status pages use. Built only from public words (status-page.ts); operators schedule maintenance.
 */
function publicStatusRoutes(deps: Parameters<typeof statusRoutes>[0]) {
  const incidents = deps.incidents;
  if (!incidents) return [];
  const config = deps.config;
  const service = config?.service ?? 'ripcord';
  const publicComponents = config?.incidents?.status_page?.components ?? [service];
  const title = config?.incidents?.status_page?.title ?? service;
  const now = () => (deps.clock ?? systemClock).now();
  const repo = deps.maintenance ?? (deps.store ? new KyselyMaintenanceRepository(deps.store.db) : undefined);
  const maintenance = () => {
    if (!repo) throw new RipcordError('unavailable', 'this server has no store for maintenance windows');
    return repo;
  };
  const page = async () =>
    buildStatusPage(await incidents.list({ service: config?.service }), { title, components: publicComponents, now: now(), maintenances: repo ? await repo.list(service) : [] });
  // Links in feeds: the configured public URL, else the address the reader used.
  const pageUrl = (request: FastifyRequest) => `${(config?.incidents?.public_url ?? `${request.protocol}://${request.headers.host ?? 'localhost'}`).replace(/\/$/, '')}/status`;
  const withStatus = (m: Maintenance) => {
    const { service: _service, createdAt: _createdAt, ...rest } = m;
    return { ...rest, status: maintenanceStatus(m, now()) };
  };
  return [
    defineRoute({
      method: 'GET',
      path: '/status',
      summary: 'The public status page (HTML; JSON with Accept: application/json or ?format=json); no token, no internal details',
      tag: 'status page',
      role: null,
      acts: { on: 'nothing' },
      query: z.strictObject({ format: z.enum(['html', 'json']).optional() }),
      handler: async ({ query, request, reply }) => {
        const model = await page();
        const json = query.format === 'json' || (query.format === undefined && String(request.headers.accept ?? '').includes('application/json'));
        if (json) return model;
        return reply.type('text/html; charset=utf-8').send(renderStatusPageHtml(model));
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/status/api/v2/summary.json',
      summary: 'The status summary in the shape hosted status pages publish (page, components, incidents, scheduled maintenances, status)',
      tag: 'status page',
      role: null,
      acts: { on: 'nothing' },
      handler: async ({ request }) => statusSummary(await page(), pageUrl(request)),
    }),
    defineRoute({
      method: 'GET',
      path: '/status/feed.atom',
      summary: 'Incidents and their public updates as an Atom feed',
      tag: 'status page',
      role: null,
      acts: { on: 'nothing' },
      produces: 'application/atom+xml; charset=utf-8',
      handler: async ({ request }) => renderAtomFeed(await page(), pageUrl(request)),
    }),
    defineRoute({
      method: 'GET',
      path: '/status/feed.rss',
      summary: 'Incidents and their public updates as an RSS 2.0 feed',
      tag: 'status page',
      role: null,
      acts: { on: 'nothing' },
      produces: 'application/rss+xml; charset=utf-8',
      handler: async ({ request }) => renderRssFeed(await page(), pageUrl(request)),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/maintenance',
      summary: 'Schedule maintenance on the public status page (shown in advance; scheduled → in_progress → completed)',
      tag: 'status page',
      role: 'operator',
      acts: { on: 'everything' },
      body: z.strictObject({
        title: z.string().min(1).max(200),
        body: z.string().min(1).max(4000),
        components: z.array(z.string().min(1).max(200)).max(50).optional(),
        scheduled_for: z.iso.datetime({ offset: true }),
        scheduled_until: z.iso.datetime({ offset: true }),
      }),
      response: maintenanceSchema,
      status: 201,
      handler: async ({ body, actor }) => {
        const unknown = (body.components ?? []).filter((c) => !publicComponents.includes(c));
        if (unknown.length) {
          throw new RipcordError('invalid_input', `body.components: ${unknown.join(', ')} not on the status page (its components: ${publicComponents.join(', ')}; set incidents.status_page.components in ripcord.yaml)`, [{ path: 'body.components', message: 'unknown component' }]);
        }
        const from = new Date(body.scheduled_for);
        const until = new Date(body.scheduled_until);
        if (until <= from) throw new RipcordError('invalid_input', 'body.scheduled_until must be after body.scheduled_for', [{ path: 'body.scheduled_until', message: 'not after scheduled_for' }]);
        const at = now();
        const m = { id: newId('mnt', at), service, title: body.title, body: body.body, components: body.components?.length ? body.components : publicComponents, scheduledFor: from.toISOString(), scheduledUntil: until.toISOString(), createdBy: actor, createdAt: at.toISOString() };
        await maintenance().insert(m);
        return withStatus(m);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/maintenance',
      summary: 'Maintenance windows, soonest first, with their state',
      tag: 'status page',
      role: 'viewer',
      acts: { on: 'nothing' },
      response: z.object({ maintenances: z.array(maintenanceSchema) }),
      handler: async () => ({ maintenances: (await maintenance().list(service)).map(withStatus) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/maintenance/{id}/complete',
      summary: 'Mark maintenance completed (ends it early, or confirms it is done)',
      tag: 'status page',
      role: 'operator',
      acts: { on: 'everything' },
      params: z.strictObject({ id: z.string().min(1).max(100) }),
      response: maintenanceSchema,
      handler: async ({ params }) => {
        const found = await maintenance().get(params.id);
        if (!found || found.service !== service) throw new RipcordError('not_found', `no maintenance ${params.id}`);
        const at = now().toISOString();
        await maintenance().complete(params.id, at);
        return withStatus({ ...found, completedAt: at });
      },
    }),
  ];
}
