import { z } from 'zod';
import type { RipcordConfig } from '../../config/ripcord-config.js';
import { severityField } from '../../config/schema/fields.js';
import { type Clock, systemClock } from '../../core/clock.js';
import { RipcordError } from '../../core/errors.js';
import type { Ledger } from '../../deployments/ledger.js';
import { INCIDENT_STATUSES, MILESTONES } from '../../incidents/incident.js';
import { renderIncidentReport, renderPostmortem, renderRollbackLog } from '../../incidents/incident-report.js';
import type { IncidentService } from '../../incidents/incident-service.js';
import { computeRecoveryMetrics } from '../../incidents/recovery-metrics.js';
import { buildStatusPage, renderStatusPageHtml } from '../../incidents/status-page.js';
import { defineRoute } from '../api-route.js';
import { nameField } from './api-schemas.js';
import { serviceOf } from './release-routes.js';

const idParams = z.strictObject({ id: z.string().min(1).max(100) });
const markdown = 'text/markdown; charset=utf-8';

/** Incidents: open by hand, the lifecycle, notes, action items, reports, the numbers, the public status page. */
export function incidentRoutes(deps: { incidents: IncidentService; ledger: Ledger; config?: RipcordConfig | undefined; clock?: Clock | undefined }) {
  const { incidents, config } = deps;
  const now = () => (deps.clock ?? systemClock).now();
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/incidents',
      summary: 'Open an incident by hand',
      tag: 'incidents',
      role: 'operator',
      acts: { on: 'environment', in: 'body', field: 'environment' },
      body: z.strictObject({
        service: nameField.optional(),
        environment: nameField,
        title: z.string().min(1).max(300),
        severity: severityField,
        releaseId: z.string().max(100).optional(),
        commander: z.string().max(200).optional(),
        affected: z.array(z.string().max(200)).max(50).optional(),
      }),
      status: 201,
      handler: async ({ body, actor }) => incidents.open({ ...body, service: serviceOf(body.service, config, 'body.service'), actor }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/incidents',
      summary: 'Incidents, newest first',
      tag: 'incidents',
      role: 'viewer',
      acts: { on: 'list', in: 'query', field: 'environment' },
      query: z.strictObject({ service: nameField.optional(), environment: nameField.optional(), open: z.enum(['true', 'false']).optional() }),
      handler: async ({ query, scope }) => ({ incidents: await incidents.list({ service: query.service, environment: query.environment, environments: scope, openOnly: query.open === 'true' }) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/incidents/{id}',
      summary: 'One incident with its milestones, timeline, checklist and action items',
      tag: 'incidents',
      role: 'viewer',
      acts: { on: 'incident', param: 'id' },
      params: idParams,
      handler: async ({ params }) => incidents.get(params.id),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/incidents/{id}/ack',
      summary: 'Acknowledge (stops the escalation)',
      tag: 'incidents',
      role: 'operator',
      acts: { on: 'incident', param: 'id' },
      params: idParams,
      handler: async ({ params, actor }) => incidents.acknowledge(params.id, actor),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/incidents/{id}/status',
      summary: 'Move the incident forward: acknowledged, mitigating, monitoring, resolved',
      tag: 'incidents',
      role: 'operator',
      acts: { on: 'incident', param: 'id' },
      params: idParams,
      body: z.strictObject({ status: z.enum(INCIDENT_STATUSES), note: z.string().max(4000).optional() }),
      handler: async ({ params, body, actor }) => incidents.setStatus(params.id, body.status, actor, body.note),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/incidents/{id}/notes',
      summary: 'Add a note to the timeline',
      tag: 'incidents',
      role: 'operator',
      acts: { on: 'incident', param: 'id' },
      params: idParams,
      body: z.strictObject({ text: z.string().min(1).max(4000) }),
      handler: async ({ params, body, actor }) => incidents.note(params.id, body.text, actor),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/incidents/{id}',
      summary: 'Correct the record: commander, severity, affected, impact, root cause',
      tag: 'incidents',
      role: 'operator',
      acts: { on: 'incident', param: 'id' },
      params: idParams,
      body: z.strictObject({
        commander: z.string().max(200).optional(),
        severity: severityField.optional(),
        affected: z.array(z.string().max(200)).max(50).optional(),
        impact: z.strictObject({ usersAffectedPercent: z.number().min(0).max(100).optional(), errorRate: z.number().min(0).max(1).optional(), dataLoss: z.boolean().optional() }).optional(),
        rootCause: z.string().max(4000).optional(),
      }),
      handler: async ({ params, body, actor }) => incidents.update(params.id, body, actor),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/incidents/{id}/milestones',
      summary: 'Correct a milestone time (a person often knows the true start later); audited on the timeline',
      tag: 'incidents',
      role: 'operator',
      acts: { on: 'incident', param: 'id' },
      params: idParams,
      body: z.strictObject({ milestone: z.enum(MILESTONES), at: z.iso.datetime({ offset: true }) }),
      handler: async ({ params, body, actor }) => incidents.correctMilestone(params.id, body.milestone, new Date(body.at).toISOString(), actor),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/incidents/{id}/checklist',
      summary: 'Tick a response-phase checklist item by hand',
      tag: 'incidents',
      role: 'operator',
      acts: { on: 'incident', param: 'id' },
      params: idParams,
      body: z.strictObject({ item: z.string().min(1).max(200) }),
      handler: async ({ params, body, actor }) => incidents.tick(params.id, body.item, actor),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/incidents/{id}/actions',
      summary: 'Add an action item',
      tag: 'incidents',
      role: 'operator',
      acts: { on: 'incident', param: 'id' },
      params: idParams,
      body: z.strictObject({ text: z.string().min(1).max(1000), owner: z.string().max(200).optional() }),
      status: 201,
      handler: async ({ params, body }) => incidents.addAction(params.id, body.text, body.owner),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/incidents/{id}/actions/{action}/done',
      summary: 'Mark an action item done',
      tag: 'incidents',
      role: 'operator',
      acts: { on: 'incident', param: 'id' },
      params: z.strictObject({ id: z.string().min(1).max(100), action: z.coerce.number().int().min(1) }),
      handler: async ({ params }) => incidents.completeAction(params.id, params.action),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/incidents/{id}/rollbacks/{plan}/unnecessary',
      summary: 'Mark a rollback as unnecessary (a false positive, for the numbers)',
      tag: 'incidents',
      role: 'operator',
      acts: { on: 'incident', param: 'id' },
      params: z.strictObject({ id: z.string().min(1).max(100), plan: z.string().min(1).max(100) }),
      body: z.strictObject({ reason: z.string().max(2000).optional() }),
      handler: async ({ params, body, actor }) => incidents.markRollbackUnnecessary(params.id, params.plan, actor, body.reason),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/incidents/{id}/report',
      summary: 'The incident report (Markdown, the seeds\' template, pre-filled)',
      tag: 'incidents',
      role: 'viewer',
      acts: { on: 'incident', param: 'id' },
      params: idParams,
      produces: markdown,
      handler: async ({ params }) => renderIncidentReport(await incidents.get(params.id)),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/incidents/{id}/postmortem',
      summary: 'The post-mortem (Markdown, the seeds\' template, pre-filled; human sections marked)',
      tag: 'incidents',
      role: 'viewer',
      acts: { on: 'incident', param: 'id' },
      params: idParams,
      produces: markdown,
      handler: async ({ params }) => renderPostmortem(await incidents.get(params.id)),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/rollbacks/log',
      summary: "The seed 004 rollback history log: Date | Time | Trigger | Method | Duration | Root Cause",
      tag: 'incidents',
      role: 'viewer',
      acts: { on: 'list', in: 'query', field: 'environment' },
      query: z.strictObject({ service: nameField.optional(), environment: nameField.optional() }),
      produces: markdown,
      handler: async ({ query, scope }) => renderRollbackLog(await incidents.list({ service: query.service, environment: query.environment, environments: scope })),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/metrics/recovery',
      summary: 'MTTD, MTTA, time to decide/roll back/verify, recovery time, success and false-positive rates, change failure rate vs the seeds\' targets',
      tag: 'incidents',
      role: 'viewer',
      acts: { on: 'list', in: 'query', field: 'environment' },
      query: z.strictObject({ service: nameField.optional(), environment: nameField.optional(), from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional() }),
      handler: async ({ query, scope }) => {
        const to = query.to ? new Date(query.to).toISOString() : now().toISOString();
        const from = query.from ? new Date(query.from).toISOString() : new Date(now().getTime() - 90 * 86_400_000).toISOString();
        if (from > to) throw new RipcordError('invalid_input', 'from must be before to', [{ path: 'query.from', message: 'after query.to' }]);
        const service = query.service ?? config?.service;
        const list = await incidents.list({ service, environment: query.environment, environments: scope });
        const releases = (await deps.ledger.list({ service, environment: query.environment, environments: scope, limit: 200 })).releases.filter((r) => r.deployedAt >= from && r.deployedAt <= to).length;
        return computeRecoveryMetrics(list, releases, { from, to });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/status',
      summary: 'The public status page (HTML; JSON with Accept: application/json or ?format=json); no token, no internal details',
      tag: 'incidents',
      role: null,
      acts: { on: 'nothing' },
      query: z.strictObject({ format: z.enum(['html', 'json']).optional() }),
      handler: async ({ query, request, reply }) => {
        const page = buildStatusPage(await incidents.list({ service: config?.service }), {
          title: config?.service ?? 'ripcord',
          components: Object.keys(config?.environments ?? {}),
          now: now(),
        });
        const json = query.format === 'json' || (query.format === undefined && String(request.headers.accept ?? '').includes('application/json'));
        if (json) return page;
        return reply.type('text/html; charset=utf-8').send(renderStatusPageHtml(page));
      },
    }),
  ];
}
