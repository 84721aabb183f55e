import { z } from 'zod';
import type { EventBus, RipcordEvent } from '../../core/events.js';
import { defineRoute } from '../api-route.js';

const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/v1/events/stream`: every domain event (release recorded, verdict changed, decision made,
 * rollback step, flag changed, …) as Server-Sent Events, named by type, for the dashboard's live views.
 * A token limited to some environments sees only theirs. The dashboard reads it with `fetch` (so the
 * token travels in the Authorization header, never in a URL) and refetches what an event touches.
 */
export function eventStreamRoutes(deps: { events?: EventBus | undefined }) {
  const bus = deps.events;
  if (!bus) return [];
  return [
    // acts on: none (each event is filtered by the token's environments)
    defineRoute({
      method: 'GET',
      path: '/api/v1/events/stream',
      summary: 'Domain events as Server-Sent Events (live dashboard updates)',
      tag: 'dashboard',
      role: 'viewer',
      query: z.strictObject({ environment: z.string().max(100).optional() }),
      produces: 'text/event-stream',
      handler: async ({ query, token, request, reply }) => {
        const allowed = (event: RipcordEvent) =>
          (!token?.environments || token.environments.includes(event.environment)) && (!query.environment || query.environment === event.environment);
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
        });
        return reply;
      },
    }),
  ];
}
