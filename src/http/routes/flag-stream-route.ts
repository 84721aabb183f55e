import { z } from 'zod';
import type { RipcordConfig } from '../../config/ripcord-config.js';
import type { FlagChange } from '../../flags/flag-definition.js';
import type { FlagService } from '../../flags/flag-service.js';
import type { ApiToken } from '../../auth/token-service.js';
import { defineRoute } from '../api-route.js';
import type { StreamRegistry } from '../stream-registry.js';
import { nameField } from './api-schemas.js';
import { serviceOf } from './release-routes.js';

const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/v1/environments/{env}/flags/stream`: Server-Sent Events. On connect a `snapshot` of every
 * flag, then one `change` per committed change, each with its change id as the event id; a client
 * that reconnects with `Last-Event-ID` gets the changes it missed instead of a new snapshot.
 * `?format=ofrep` sends OFREP's `refetchEvaluation` messages instead (unnamed SSE messages whose JSON says
 * `type: refetchEvaluation`, as OpenFeature's OFREP web provider reads them), for OFREP clients with streams.
 * Readable with a `flags` token of the environment or any viewer token, sent as a bearer header or, for
 * browsers' EventSource, as the signed `access` parameter of the URL the OFREP bulk answer advertises.
 */
export function flagStreamRoutes(deps: { flags: FlagService; streams: StreamRegistry; config?: RipcordConfig | undefined }) {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/environments/{env}/flags/stream',
      summary: 'Flag changes as Server-Sent Events: a snapshot, then each change (Last-Event-ID resumes)',
      tag: 'flags',
      // Two kinds of reader: apps with `flags` tokens, people with viewer tokens (or more).
      role: ['viewer', 'flags'],
      acts: { on: 'environment', in: 'params', field: 'env' },
      signedAccess: 'access',
      params: z.strictObject({ env: nameField }),
      query: z.strictObject({ service: nameField.optional(), format: z.enum(['ripcord', 'ofrep']).optional(), access: z.string().max(300).optional() }),
      produces: 'text/event-stream',
      handler: async ({ params, query, token, request, reply }) => {
        const service = serviceOf(query.service, deps.config, 'query.service');
        const ofrep = query.format === 'ofrep';
        const lastEventId = typeof request.headers['last-event-id'] === 'string' ? request.headers['last-event-id'] : undefined;

        // Counted before anything is written, so a refused stream gets a plain 429 with its reason. A revoked
        // token's streams are ended by the registry; the client's reconnect then meets the 401.
        const forget = deps.streams.admit(token as ApiToken, reply);
        let heartbeat: NodeJS.Timeout | undefined;
        let unsubscribe = () => {};
        let closed = false;
        request.raw.on('close', () => {
          closed = true;
          clearInterval(heartbeat);
          unsubscribe();
          forget();
        });
        reply.hijack();
        const out = reply.raw;
        out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        // OFREP messages are unnamed (the JSON carries the type); ripcord's own are named events.
        const send = (event: string, id: string | undefined, data: unknown) => {
          out.write(`${id ? `id: ${id}\n` : ''}${ofrep ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`);
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
        const stop = deps.flags.feed.subscribe(service, params.env, (change) => (live ? sendChange(change) : queued.push(change)));
        unsubscribe = stop;
        if (closed) stop();
        out.write(`retry: 1000\n\n`);
        if (lastEventId) {
          for (const change of await deps.flags.changesSince(service, params.env, lastEventId)) sendChange(change);
        } else {
          const flags = await deps.flags.list(service, params.env);
          const latest = await deps.flags.latestChangeId(service, params.env);
          if (ofrep) send('refetchEvaluation', latest, { type: 'refetchEvaluation' });
          else {
            // The flag set too: flags with `$ref` need the `$evaluators` to evaluate locally.
            const set = await deps.flags.flagSet(service, params.env);
            send('snapshot', latest, { flags: flags.map((f) => ({ key: f.key, version: f.version, definition: f.definition })), $evaluators: set.evaluators, metadata: set.metadata });
          }
          lastSent = latest ?? '';
        }
        for (const change of queued) sendChange(change);
        live = true;
        heartbeat = setInterval(() => out.write(': keep-alive\n\n'), HEARTBEAT_MS);
        return reply;
      },
    }),
  ];
}
