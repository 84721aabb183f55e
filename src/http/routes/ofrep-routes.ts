import * as crypto from 'node:crypto';
import { z } from 'zod';
import type { ApiToken } from '../../auth/token-service.js';
import type { RipcordConfig } from '../../config/ripcord-config.js';
import { RipcordError } from '../../core/errors.js';
import { flagKeyField } from '../../flags/flag-definition.js';
import { RateLimiter } from '../../flags/rate-limiter.js';
import { STREAM_ACCESS_LIFETIME_MS, streamAccess } from '../../flags/stream-access.js';
import { type Clock, systemClock } from '../../core/clock.js';
import type { FlagEvaluation, FlagService } from '../../flags/flag-service.js';
import { defineRoute } from '../api-route.js';

const evaluationRequest = z.object({ context: z.record(z.string(), z.unknown()).optional() });

/**
 * The context as JSON with every object's keys sorted: one context, one text, whatever order the SDK
 * wrote its attributes in. What JSON.stringify would drop (undefined, functions) is dropped here too.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined || typeof item === 'function' ? 'null' : canonicalJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const fields = Object.keys(record)
    .sort()
    .filter((key) => record[key] !== undefined && typeof record[key] !== 'function')
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  return `{${fields.join(',')}}`;
}

// One-shot crypto.hash where Node has it (≥ 20.12): no Hash object per bulk request.
const sha256Base64url: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'base64url') : (text) => crypto.createHash('sha256').update(text).digest('base64url');

/** The bulk answer's ETag: the definitions' fingerprint and a SHA-256 of the whole (canonical) context. */
export function bulkEtag(fingerprint: string, context: unknown): string {
  return `"${fingerprint}-${sha256Base64url(canonicalJson(context)).slice(0, 22)}"`;
}

/** Where this server was reached, by its own socket (not the Host header), when no public URL is set. */
function socketOrigin(socket: { localAddress?: string | undefined; localPort?: number | undefined }): string {
  const address = socket.localAddress ?? '127.0.0.1';
  const host = address.includes(':') ? `[${address}]` : address;
  return `http://${host}${socket.localPort ? `:${socket.localPort}` : ''}`;
}

/** A signed stream URL is reused for this long, so its access lasts between 59 and 60 minutes. */
const STREAM_URL_REUSE_MS = 60_000;

const statusOf = (evaluation: FlagEvaluation): number => {
  if (!('errorCode' in evaluation)) return 200;
  return evaluation.errorCode === 'FLAG_NOT_FOUND' ? 404 : evaluation.errorCode === 'GENERAL' ? 500 : 400;
};

/** OFREP (OpenFeature Remote Evaluation Protocol): single and bulk evaluation for any OpenFeature SDK. */
export const DEFAULT_OFREP_RATE_LIMIT = 5_000;

export function ofrepRoutes(deps: { flags: FlagService; config?: RipcordConfig | undefined; ofrepRateLimit?: number | undefined; streamSecret?: string | undefined; clock?: Clock | undefined; publicUrl?: (() => string | undefined) | undefined }) {
  const limiter = new RateLimiter(deps.ofrepRateLimit ?? DEFAULT_OFREP_RATE_LIMIT);
  const limited = (token: ApiToken | undefined, reply: { header(name: string, value: string): unknown; code(status: number): { send(body: unknown): unknown } }) => {
    const wait = limiter.take(token?.id ?? 'anonymous');
    if (wait === 0) return undefined;
    reply.header('retry-after', String(Math.ceil(wait)));
    return reply.code(429).send({ errorDetails: `more than ${deps.ofrepRateLimit ?? DEFAULT_OFREP_RATE_LIMIT} evaluations a second for this token; retry after ${Math.ceil(wait)} s` });
  };
  // Signing the stream access (HMAC) and building its URL on every bulk evaluation cost more than the
  // ETag; an app polls with the same token, so the URL is reused for a minute.
  const streamUrls = new Map<string, { url: string; signedAt: number }>();
  const streamUrl = (origin: string, environment: string, token: ApiToken | undefined): string => {
    const now = (deps.clock ?? systemClock).now().getTime();
    const cacheKey = `${origin}\n${environment}\n${token?.id ?? ''}`;
    const cached = streamUrls.get(cacheKey);
    if (cached && now - cached.signedAt >= 0 && now - cached.signedAt < STREAM_URL_REUSE_MS) return cached.url;
    const stream = new URL(`${origin}/api/v1/environments/${encodeURIComponent(environment)}/flags/stream?format=ofrep`);
    if (deps.streamSecret && token) stream.searchParams.set('access', streamAccess(deps.streamSecret, token.id, environment, new Date(now + STREAM_ACCESS_LIFETIME_MS)));
    if (streamUrls.size > 10_000) streamUrls.clear();
    const url = stream.toString();
    streamUrls.set(cacheKey, { url, signedAt: now });
    return url;
  };
  const service = (): string => {
    if (!deps.config?.service) throw new RipcordError('unavailable', 'OFREP needs the server to run with a ripcord.yaml naming the service');
    return deps.config.service;
  };
  return [
    defineRoute({
      method: 'POST',
      path: '/ofrep/v1/evaluate/flags/{key}',
      summary: 'OFREP: evaluate one flag for a context',
      tag: 'ofrep',
      role: 'flags',
      acts: { on: 'environment', in: 'header', field: 'x-ripcord-environment' },
      params: z.strictObject({ key: flagKeyField }),
      body: evaluationRequest,
      handler: async ({ params, body, token, environment, reply }) => {
        const refused = limited(token, reply);
        if (refused) return refused;
        const evaluation = await deps.flags.evaluate(service(), environment as string, params.key, (body.context ?? {}) as never);
        return reply.code(statusOf(evaluation)).send(evaluation);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/ofrep/v1/evaluate/flags',
      summary: 'OFREP: evaluate every flag of the environment (ETag / If-None-Match → 304)',
      tag: 'ofrep',
      role: 'flags',
      acts: { on: 'environment', in: 'header', field: 'x-ripcord-environment' },
      body: evaluationRequest,
      handler: async ({ body, token, environment: named, request, reply }) => {
        const refused = limited(token, reply);
        if (refused) return refused;
        const environment = named as string;
        const context = body.context ?? {};
        const { flags, fingerprint } = await deps.flags.evaluateAll(service(), environment, context as never);
        // The answer depends on the definitions and the context, so both make the ETag.
        const etag = bulkEtag(fingerprint, context);
        void reply.header('etag', etag);
        if (request.headers['if-none-match'] === etag) return reply.code(304).send();
        // OFREP event streams: clients that support them refetch on `refetchEvaluation` instead of polling.
        // Browsers' EventSource cannot send the token: the URL carries a signed, expiring access for it.
        // The configured public URL, never the request's Host header: a forged Host must not send apps elsewhere.
        const url = streamUrl(deps.publicUrl?.() ?? socketOrigin(request.socket), environment, token);
        return { flags, eventStreams: [{ type: 'sse', url, inactivityDelaySec: 120 }] };
      },
    }),
  ];
}
