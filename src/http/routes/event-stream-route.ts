import { z } from 'zod';
import type { EventBus, RipcordEvent } from '../../core/events.js';
import type { ApiToken } from '../../auth/token-service.js';
import { defineRoute } from '../api-route.js';
import type { StreamRegistry } from '../stream-registry.js';

const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/v1/events/stream`: every domain event (release recorded, verdict changed, decision made,
 * rollback step, flag changed, …) as Server-Sent Events, named by type, for the dashboard's live views.
 * A token limited to some environments sees only theirs. The dashboard reads it with `fetch` (so the
 * token travels in the Authorization header, never in a URL) and refetches what an event touches.
 */
export function eventStreamRoutes(deps: { events?: EventBus | undefined; streams: StreamRegistry }) {
  const bus = deps.events;
  if (!bus) return [];
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/events/stream',
      summary: 'Domain events as Server-Sent Events (live dashboard updates)',
      tag: 'dashboard',
      role: 'viewer',
      acts: { on: 'list', in: 'query', field: 'environment' },
      query: z.strictObject({ environment: z.string().max(100).optional() }),
      produces: 'text/event-stream',
      handler: async ({ query, token, scope, request, reply }) => {
        const allowed = (event: RipcordEvent) => (!scope || scope.includes(event.environment)) && (!query.environment || query.environment === event.environment);
        // Capped and closed on revocation like every long-lived stream.
        const forget = deps.streams.admit(token as ApiToken, reply);
        reply.hijack();
        const out = reply.raw;
        out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        out.write('retry: 1000\n\n: connected\n\n');
        const unsubscribe = bus.subscribe((event) => {
          if (allowed(event)) out.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
        });
        const heartbeat = setInterval(() => out.write(': keep-alive\n\n'), HEARTBEAT_MS);
        request.raw.on('close', () => {
          clearInterval(heartbeat);
          unsubscribe();
          forget();
        });
        return reply;
      },
    }),
  ];
}
