import * as crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { roleAllows } from '../../auth/roles.js';
import type { ApiToken, TokenService } from '../../auth/token-service.js';
import type { RipcordConfig } from '../../config/ripcord-config.js';
import { isRipcordError, RipcordError } from '../../core/errors.js';
import { redact } from '../../core/secrets.js';
import { RateLimiter } from '../../flags/rate-limiter.js';
import { STREAM_ACCESS_LIFETIME_MS, streamAccess } from '../../flags/stream-access.js';
import { type Clock, systemClock } from '../../core/clock.js';
import type { FlagEvaluation, FlagService } from '../../flags/flag-service.js';
import { defineRoute } from '../api-route.js';
import { ifNoneMatchMatches } from './if-none-match.js';


/** OFREP's error codes for a request it cannot evaluate (single: with the key; bulk: without). */
type OfrepRequestError = { status: number; errorCode?: 'INVALID_CONTEXT' | 'GENERAL'; errorDetails: string };

/**
 * The request body: absent or `{}` is an empty context; `context` must be an object (OFREP's
 * INVALID_CONTEXT otherwise). Other top-level keys are ignored, as OFREP defines none.
 */
function contextOf(body: unknown): { context: Record<string, unknown> } | { refused: OfrepRequestError } {
  if (body === undefined || body === null || body === '') return { context: {} };
  if (typeof body !== 'object' || Array.isArray(body)) return { refused: { status: 400, errorCode: 'INVALID_CONTEXT', errorDetails: 'the request body must be a JSON object: {"context": {…}}' } };
  const context = (body as { context?: unknown }).context;
  if (context === undefined || context === null) return { context: {} };
  if (typeof context !== 'object' || Array.isArray(context)) return { refused: { status: 400, errorCode: 'INVALID_CONTEXT', errorDetails: `context must be a JSON object, not ${Array.isArray(context) ? 'an array' : typeof context}` } };
  return { context: context as Record<string, unknown> };
}

/**
 * OFREP's credentials: `Authorization: Bearer …` or the optional `X-API-Key` header (OFREP's
 * ApiKeyAuth), either one naming a ripcord token.
 */
export function ofrepCredential(headers: FastifyRequest['headers']): string | undefined {
  const authorization = headers.authorization;
  const bearer = typeof authorization === 'string' ? /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] : undefined;
  if (bearer) return bearer;
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.trim() ? apiKey.trim() : undefined;
}

/**
 * For the server's error handler: the OFREP-shaped answer to a request Fastify refused before the
 * route ran (malformed JSON, wrong content type, body too large), or undefined for other URLs.
 * Wired in http/server.ts with `const ofrep = ofrepRequestFailure(request.url, error); if (ofrep) …`.
 */
export function ofrepRequestFailure(url: string, error: { statusCode?: number | undefined; message: string }): { status: number; body: Record<string, string> } | undefined {
  const match = /^\/ofrep\/v1\/evaluate\/flags(?:\/([^/?#]+))?(?:[?#]|$)/.exec(url);
  if (!match || (error.statusCode ?? 500) >= 500) return undefined;
  const errorDetails = redact(`the request body is not a JSON evaluation request: ${error.message}`);
  const status = error.statusCode === 413 || error.statusCode === 415 ? error.statusCode : 400;
  const key = match[1] === undefined ? undefined : safeDecode(match[1]);
  return { status, body: key === undefined ? { errorCode: 'INVALID_CONTEXT', errorDetails } : { key, errorCode: 'INVALID_CONTEXT', errorDetails } };
}

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/**
 * The environment an OFREP request evaluates in: an app's `flags` token is limited to its
 * environment, so the token says it. A token for several environments (or none) names it in
 * the `X-Ripcord-Environment` header.
 */
function environmentFor(token: ApiToken | undefined, header: string | string[] | undefined): string {
  const named = typeof header === 'string' ? header : undefined;
  const allowed = token?.environments;
  if (allowed?.length === 1 && (!named || named === allowed[0])) return allowed[0] as string;
  if (named && (!allowed || allowed.includes(named))) return named;
  if (named) throw new RipcordError('forbidden', `token "${token?.name}" may not read flags of ${named}`);
  throw new RipcordError('invalid_input', 'which environment? use a flags token limited to one environment, or send X-Ripcord-Environment', [{ path: 'headers.x-ripcord-environment', message: 'is required for this token' }]);
}

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

/** A signed stream URL is reused for this long, so its access lasts between 59 and 60 minutes. */
const STREAM_URL_REUSE_MS = 60_000;

/** OFREP: 404 for FLAG_NOT_FOUND, 400 for every other evaluation failure (GENERAL included), 200 otherwise. */
const statusOf = (evaluation: FlagEvaluation): number => {
  if (!('errorCode' in evaluation)) return 200;
  return evaluation.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400;
};

/** OFREP (OpenFeature Remote Evaluation Protocol): single and bulk evaluation for any OpenFeature SDK. */
export const DEFAULT_OFREP_RATE_LIMIT = 5_000;

export function ofrepRoutes(deps: { flags: FlagService; tokens: TokenService; config?: RipcordConfig | undefined; ofrepRateLimit?: number | undefined; streamSecret?: string | undefined; clock?: Clock | undefined }) {
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

  /**
   * Authenticates (Bearer or X-API-Key, role `flags`), rate-limits, and finds the environment, answering
   * failures in OFREP's shapes. Returns the reply already sent, or what the evaluation needs.
   */
  const admit = async (request: FastifyRequest, reply: FastifyReply, key: string | undefined): Promise<{ environment: string; token: ApiToken } | { sent: unknown }> => {
    const credential = ofrepCredential(request.headers);
    const token = credential ? await deps.tokens.authenticate(credential) : undefined;
    if (!token) {
      void reply.header('www-authenticate', 'Bearer');
      return { sent: reply.code(401).send({ errorDetails: credential ? 'the token is unknown or revoked' : 'OFREP needs a flags token: Authorization: Bearer rcp_… or X-API-Key: rcp_…' }) };
    }
    if (!roleAllows(token.role, 'flags')) return { sent: reply.code(403).send({ errorDetails: `token "${token.name}" has role ${token.role}; OFREP needs role flags` }) };
    const refused = limited(token, reply);
    if (refused) return { sent: refused };
    try {
      return { environment: environmentFor(token, request.headers['x-ripcord-environment']), token };
    } catch (error) {
      if (!isRipcordError(error)) throw error;
      if (error.code === 'forbidden') return { sent: reply.code(403).send({ errorDetails: error.message }) };
      return { sent: reply.code(400).send({ ...(key === undefined ? {} : { key }), errorCode: 'GENERAL', errorDetails: error.message }) };
    }
  };
  const unavailable = (reply: FastifyReply) => reply.code(500).send({ errorDetails: 'OFREP needs the server to run with a ripcord.yaml naming the service' });
  return [
    defineRoute({
      method: 'POST',
      path: '/ofrep/v1/evaluate/flags/{key}',
      summary: 'OFREP: evaluate one flag for a context (Authorization: Bearer or X-API-Key, a flags token)',
      tag: 'ofrep',
      // Public to the server's own check: OFREP authenticates here, to accept X-API-Key and answer in OFREP's shapes.
      role: null,
      handler: async ({ request, reply }) => {
        const key = (request.params as { key: string }).key;
        const admitted = await admit(request, reply, key);
        if ('sent' in admitted) return admitted.sent;
        const parsed = contextOf(request.body);
        if ('refused' in parsed) return reply.code(parsed.refused.status).send({ key, errorCode: parsed.refused.errorCode, errorDetails: parsed.refused.errorDetails });
        const { context } = parsed;
        if (!deps.config?.service) return unavailable(reply);
        const evaluation = await deps.flags.evaluate(deps.config.service, admitted.environment, key, context as never);
        return reply.code(statusOf(evaluation)).send(evaluation);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/ofrep/v1/evaluate/flags',
      summary: 'OFREP: evaluate every flag of the environment (ETag / If-None-Match → 304; flag-set metadata in `metadata`)',
      tag: 'ofrep',
      role: null,
      handler: async ({ request, reply }) => {
        const admitted = await admit(request, reply, undefined);
        if ('sent' in admitted) return admitted.sent;
        const parsed = contextOf(request.body);
        if ('refused' in parsed) return reply.code(parsed.refused.status).send({ errorCode: parsed.refused.errorCode, errorDetails: parsed.refused.errorDetails });
        const { context } = parsed;
        if (!deps.config?.service) return unavailable(reply);
        const { flags, fingerprint, metadata } = await deps.flags.evaluateAll(deps.config.service, admitted.environment, context as never);
        // The answer depends on the definitions and the context, so both make the ETag.
        const etag = bulkEtag(fingerprint, context);
        void reply.header('etag', etag);
        if (ifNoneMatchMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
        // OFREP event streams: clients that support them refetch on `refetchEvaluation` instead of polling.
        // Browsers' EventSource cannot send the token: the URL carries a signed, expiring access for it.
        const url = streamUrl(`${request.protocol}://${request.headers.host ?? 'localhost'}`, admitted.environment, admitted.token);
        return { flags, ...(Object.keys(metadata).length > 0 ? { metadata } : {}), eventStreams: [{ type: 'sse', url, inactivityDelaySec: 120 }] };
      },
    }),
  ];
}
