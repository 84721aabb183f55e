import { z } from 'zod';
import { roleAllows } from '../../auth/roles.js';
import type { TokenService } from '../../auth/token-service.js';
import type { RipcordConfig } from '../../config/ripcord-config.js';
import { RipcordError } from '../../core/errors.js';
import type { FlagChange } from '../../flags/flag-definition.js';
import type { FlagService } from '../../flags/flag-service.js';
import { defineRoute } from '../api-route.js';
import { nameField } from './api-schemas.js';
import { serviceOf } from './release-routes.js';

const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/v1/environments/{env}/flags/stream`: Server-Sent Events. On connect a `snapshot` of every
 * flag, then one `change` per committed change, each with its change id as the event id; a client
 * that reconnects with `Last-Event-ID` gets the changes it missed instead of a new snapshot.
 * `?format=ofrep` sends OFREP's `refetchEvaluation` events instead, for OFREP clients with streams.
 * Readable with a `flags` token of the environment or any viewer token.
 */
export function flagStreamRoutes(deps: { flags: FlagService; tokens: TokenService; config?: RipcordConfig | undefined }) {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/environments/{env}/flags/stream',
      summary: 'Flag changes as Server-Sent Events: a snapshot, then each change (Last-Event-ID resumes)',
      tag: 'flags',
      // Two kinds of reader (apps with `flags` tokens, people with viewer tokens), so auth is checked here.
      role: null,
      params: z.strictObject({ env: nameField }),
      query: z.strictObject({ service: nameField.optional(), format: z.enum(['ripcord', 'ofrep']).optional() }),
      produces: 'text/event-stream',
      handler: async ({ params, query, request, reply }) => {
        const secret = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
        const token = secret ? await deps.tokens.authenticate(secret) : undefined;
        if (!token) throw new RipcordError('unauthorized', 'this stream needs a bearer token (a flags token of the environment, or a viewer token)');
        if (!roleAllows(token.role, 'viewer') && token.role !== 'flags') throw new RipcordError('forbidden', `token "${token.name}" has role ${token.role}; the flag stream needs flags or viewer`);
        if (token.environments && !token.environments.includes(params.env)) throw new RipcordError('forbidden', `token "${token.name}" may not read flags of ${params.env}`);
        const service = serviceOf(query.service, deps.config, 'query.service');
        const ofrep = query.format === 'ofrep';
        const lastEventId = typeof request.headers['last-event-id'] === 'string' ? request.headers['last-event-id'] : undefined;

        reply.hijack();
        const out = reply.raw;
        out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        const send = (event: string, id: string | undefined, data: unknown) => {
          out.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        };
        let lastSent = lastEventId ?? '';
        // Change ids sort by time: anything at or before the last one sent was already delivered (a change
        // replayed from the store can also arrive late from another server's NOTIFY).
        const sendChange = (change: FlagChange) => {
          if (change.id <= lastSent) return;
          lastSent = change.id;
          if (ofrep) send('refetchEvaluation', change.id, { type: 'refetchEvaluation', flagKey: change.key });
          else send('change', change.id, { key: change.key, version: change.version, definition: change.definition, actor: change.actor, reason: change.reason, at: change.at });
        };

        // Subscribe before reading, so a change landing in between is not missed (a duplicate is harmless: versions tell).
        const queued: FlagChange[] = [];
        let live = false;
        const unsubscribe = deps.flags.feed.subscribe(service, params.env, (change) => (live ? sendChange(change) : queued.push(change)));
        out.write(`retry: 1000\n\n`);
        if (lastEventId) {
          for (const change of await deps.flags.changesSince(service, params.env, lastEventId)) sendChange(change);
        } else {
          const flags = await deps.flags.list(service, params.env);
          const latest = await deps.flags.latestChangeId(service, params.env);
          if (ofrep) send('refetchEvaluation', latest, { type: 'refetchEvaluation' });
          else send('snapshot', latest, { flags: flags.map((f) => ({ key: f.key, version: f.version, definition: f.definition })) });
          lastSent = latest ?? '';
        }
        for (const change of queued) sendChange(change);
        live = true;
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
