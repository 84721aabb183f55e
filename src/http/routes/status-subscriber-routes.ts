import { z } from 'zod';
import { RipcordError } from '../../core/errors.js';
import { escapeHtml } from '../../incidents/status-page.js';
import type { StatusSubscriptions } from '../../incidents/status-subscriptions.js';
import { defineRoute } from '../api-route.js';

const tokenQuery = z.strictObject({ token: z.string().min(1).max(300) });

const html = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}</style></head><body><h1>${escapeHtml(title)}</h1>${body}<p><a href="/status">Back to the status page</a></p></body></html>`;

/**
 * Public subscription routes of the status page: subscribe (JSON or the page's form), confirm (the link in
 * the opt-in mail), unsubscribe (a page with one button; a POST to the same link unsubscribes at once, as
 * mail clients' one-click unsubscribe does).
 */
export function statusSubscriberRoutes(deps: { subscriptions?: StatusSubscriptions | undefined }) {
  const subscriptions = deps.subscriptions;
  if (!subscriptions) return [];
  return [
    defineRoute({
      method: 'POST',
      path: '/status/subscribe',
      summary: 'Subscribe to status updates by email (double opt-in) or webhook, optionally for some components',
      tag: 'status page',
      role: null,
      acts: { on: 'nothing' },
      body: z.strictObject({
        email: z.email({ error: 'expected an email address' }).max(320).optional(),
        webhook: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).max(2000).optional(),
        // The page's form sends one value as a string.
        components: z.union([z.string().max(200), z.array(z.string().max(200)).max(50)]).optional(),
      }),
      status: 201,
      handler: async ({ body, request, reply }) => {
        const components = typeof body.components === 'string' ? (body.components ? [body.components] : []) : body.components;
        const { subscriber, secret } = await subscriptions.subscribe({ email: body.email || undefined, webhook: body.webhook || undefined, components });
        const pending = !subscriber.confirmedAt;
        if (String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
          return reply
            .code(201)
            .type('text/html; charset=utf-8')
            .send(html(pending ? 'Check your inbox' : 'Subscribed', pending ? `<p>We sent a confirmation link to ${escapeHtml(subscriber.target)}. Nothing is sent until you confirm.</p>` : '<p>Your webhook will receive each update.</p>'));
        }
        return { id: subscriber.id, kind: subscriber.kind, status: pending ? 'pending_confirmation' : 'active', components: subscriber.components, ...(secret ? { secret } : {}) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/status/subscribe/confirm',
      summary: 'Confirm an email subscription (the link in the opt-in mail)',
      tag: 'status page',
      role: null,
      acts: { on: 'nothing' },
      query: tokenQuery,
      produces: 'text/html; charset=utf-8',
      handler: async ({ query }) => {
        const subscriber = await subscriptions.confirm(query.token);
        return html('Subscribed', `<p>${escapeHtml(subscriber.target)} will get status updates${subscriber.components.length ? ` for ${escapeHtml(subscriber.components.join(', '))}` : ''}. Every mail has a one-click unsubscribe link.</p>`);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/status/unsubscribe',
      summary: 'The unsubscribe page (one button; link scanners that GET it unsubscribe nobody)',
      tag: 'status page',
      role: null,
      acts: { on: 'nothing' },
      query: tokenQuery,
      produces: 'text/html; charset=utf-8',
      handler: async ({ query }) => {
        if (!query.token.includes('.')) throw new RipcordError('not_found', 'this link is not valid');
        return html('Unsubscribe', `<form method="post" action="/status/unsubscribe?token=${escapeHtml(encodeURIComponent(query.token))}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe from status updates</button></form>`);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/status/unsubscribe',
      summary: 'Unsubscribe at once (one click; also what mail clients send for List-Unsubscribe-Post)',
      tag: 'status page',
      role: null,
      acts: { on: 'nothing' },
      query: tokenQuery,
      body: z.looseObject({}).optional(),
      produces: 'text/html; charset=utf-8',
      handler: async ({ query }) => {
        const subscriber = await subscriptions.unsubscribe(query.token);
        return html('Unsubscribed', `<p>${escapeHtml(subscriber.target)} will get no more status updates.</p>`);
      },
    }),
  ];
}
