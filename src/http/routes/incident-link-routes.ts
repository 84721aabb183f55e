import { z } from 'zod';
import type { RipcordConfig } from '../../config/ripcord-config.js';
import { type Clock, systemClock } from '../../core/clock.js';
import { RipcordError } from '../../core/errors.js';
import { verifyAck } from '../../incidents/ack-link.js';
import { DEFAULT_TEMPLATES, messageFields, renderTemplate } from '../../incidents/incident-message.js';
import type { IncidentService } from '../../incidents/incident-service.js';
import { escapeHtml, PUBLIC_STATUS } from '../../incidents/status-page.js';
import { defineRoute } from '../api-route.js';
import { nameField } from './api-schemas.js';

const FIVE_MINUTES = 5 * 60_000;
// Not strict: mail clients and chat apps add tracking parameters (utm_source, …) to links; they are ignored.
const ackFields = z.object({
  incident: z.string().min(1).max(100),
  who: z.string().min(1).max(200),
  expires: z.string().regex(/^\d+$/, 'expected a time in milliseconds'),
  sig: z.string().regex(/^[0-9a-f]{64}$/, 'expected a hex signature'),
});
type AckFields = z.output<typeof ackFields>;

const html = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>` +
  '<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}button{font-size:1.2rem;padding:.6rem 1.2rem}</style>' +
  `</head><body>${body}</body></html>`;

/**
 * What needs no token: the signed acknowledgement link from a page (a GET shows a confirmation, so
 * chat link previews never acknowledge by themselves; the button POSTs) and the in-app banner text.
 */
export function incidentLinkRoutes(deps: { incidents: IncidentService; ackSecret?: string | undefined; config?: RipcordConfig | undefined; clock?: Clock | undefined }) {
  const { incidents } = deps;
  const now = () => (deps.clock ?? systemClock).now();
  const check = (fields: AckFields) => {
    const result = deps.ackSecret ? verifyAck(deps.ackSecret, fields, now()) : { ok: false as const, reason: 'this server does not sign acknowledgement links' };
    if (!result.ok) throw new RipcordError('forbidden', `cannot acknowledge with this link: ${result.reason}`);
  };
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/incidents/ack',
      summary: 'A signed acknowledgement link: shows the incident and a button that acknowledges it (no token)',
      tag: 'incidents',
      role: null,
      acts: { on: 'nothing' },
      query: ackFields,
      handler: async ({ query, reply }) => {
        check(query);
        const incident = await incidents.get(query.incident);
        const hidden = Object.entries(query)
          .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
          .join('');
        const body =
          `<h1>${escapeHtml(incident.severity)}: ${escapeHtml(incident.title)}</h1><p>${escapeHtml(incident.service)} / ${escapeHtml(incident.environment)}, status <b>${escapeHtml(incident.status)}</b>.</p>` +
          `<form method="post" action="/api/v1/incidents/ack">${hidden}<button type="submit">Acknowledge as ${escapeHtml(query.who)}</button></form>`;
        return reply.type('text/html; charset=utf-8').send(html('Acknowledge incident', body));
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/incidents/ack',
      summary: 'Acknowledge through a signed link (form or JSON body with the link\'s fields; no token)',
      tag: 'incidents',
      role: null,
      acts: { on: 'nothing' },
      body: ackFields,
      handler: async ({ body, request, reply }) => {
        check(body);
        const incident = await incidents.acknowledge(body.incident, `${body.who} (signed link)`);
        if (String(request.headers.accept ?? '').includes('application/json')) return { id: incident.id, status: incident.status, acknowledgedAt: incident.milestones.acknowledged };
        return reply.type('text/html; charset=utf-8').send(html('Acknowledged', `<h1>Acknowledged</h1><p>${escapeHtml(incident.title)}: thanks, ${escapeHtml(body.who)}. Escalation stops.</p>`));
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/environments/{env}/banner',
      summary: 'The in-app banner for an environment while an incident is open (no token; public words only)',
      tag: 'incidents',
      role: null,
      acts: { on: 'nothing' },
      params: z.strictObject({ env: nameField }),
      handler: async ({ params, reply }) => {
        const known = Object.keys(deps.config?.environments ?? {});
        if (deps.config && !known.includes(params.env)) throw new RipcordError('not_found', `no environment ${params.env}; environments: ${known.join(', ')}`);
        const open = await incidents.list({ service: deps.config?.service, environment: params.env, openOnly: true });
        void reply.header('cache-control', 'public, max-age=15');
        // The most severe open incident speaks for the environment.
        const worst = open.sort((a, b) => a.severity.localeCompare(b.severity))[0];
        if (!worst) return { environment: params.env, active: false, text: null, status: null, since: null };
        const fields = messageFields(worst, { updateEveryMs: deps.config?.incidents?.update_every ?? FIVE_MINUTES });
        return {
          environment: params.env,
          active: true,
          text: renderTemplate(deps.config?.incidents?.templates?.banner ?? DEFAULT_TEMPLATES.banner, fields),
          status: PUBLIC_STATUS[worst.status],
          since: worst.milestones.detected ?? null,
        };
      },
    }),
  ];
}
