import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Counter } from 'prom-client';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ApiToken, TokenService } from '../auth/token-service.js';
import { isRipcordError, RipcordError } from '../core/errors.js';
import { redact } from '../core/secrets.js';
import type { ApiRoute, RouteError } from './api-route.js';
import { AuthFailureLimiter } from './auth-failure-limiter.js';
import { type ActsOn, anyRoleAllows, authorize, type ObjectResolvers } from './authorization.js';
import { codeForStatus, STATUS_OF } from './error-status.js';
import type { HttpMetrics } from './http-metrics.js';
import { registerBodyParsing } from './request-body.js';

export interface ServerOptions {
  routes: readonly ApiRoute[];
  tokens: TokenService;
  metrics: HttpMetrics;
  logger: Logger;
  /** Largest request body accepted, in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Browser origins allowed to call what browser apps call (OFREP, the flag stream, the banner, /status). */
  corsOrigins?: string[] | undefined;
  /** How the server finds the environment of an object a route names by id (authorization). */
  resolvers?: ObjectResolvers | undefined;
  /** Checks a signed stream credential for an environment; returns the id of the token it was issued to. */
  verifySignedAccess?: ((access: string, environment: string) => string) | undefined;
  /** Failed authentications per minute per client address before 429 (default 20). */
  authFailureLimit?: number | undefined;
}

export const DEFAULT_AUTH_FAILURE_LIMIT = 20;

/** What a browser app on another origin calls; the rest of the API is for people and machines, never CORS-open. */
const BROWSER_ROUTES = /^\/(ofrep\/v1\/|api\/v1\/environments\/[^/]+\/(flags\/stream|banner)(\?|$)|status(\?|$))/;

interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

const errorBody = (code: string, message: string, issues?: { path: string; message: string }[]): ErrorBody => ({
  error: { code, message: redact(message), ...(issues?.length ? { issues: issues.map((i) => ({ path: i.path, message: redact(i.message) })) } : {}) },
});

/** Zod's issues as field-named messages: `body.version: expected string`. */
function validationError(where: 'body' | 'query' | 'params', error: z.ZodError): RipcordError {
  const issues = error.issues.flatMap((issue) => {
    const path = [where, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: `${path}.${key}`, message: 'unknown field' }));
    return [{ path, message: issue.message }];
  });
  return new RipcordError('invalid_input', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}

/** Fastify's own refusals of a request (before any route runs), said with what is wrong and where. */
function fastifyRefusal(error: FastifyError, request: FastifyRequest, bodyLimit: number): { message: string; path: string } {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { message: `request body is larger than the ${bodyLimit} bytes allowed`, path: 'body' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { message: `Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')} is not accepted; send application/json`, path: 'headers.content-type' };
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
      return { message: `the body is not valid ${request.headers['content-encoding']} data: ${error.message}`, path: 'body' };
    default:
      return { message: error.message, path: 'body' };
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** The HTTP server: auth, validation, errors → statuses, metrics; features bring their routes. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Behind a proxy, X-Request-Id keeps one id across hops.
    requestIdHeader: 'x-request-id',
    // Streams (flag changes over SSE) never go idle; closing the server must end them.
    forceCloseConnections: true,
    // What the router refuses before any route runs (a path with a bad %-escape), in our error shape.
    frameworkErrors: (error, request, reply) => {
      const message = error.code === 'FST_ERR_BAD_URL' ? `the path ${JSON.stringify(request.url.split('?')[0])} has an invalid %-escape` : error.message;
      void (reply as FastifyReply).code(400).send(errorBody('invalid_input', message, [{ path: 'path', message }]));
    },
  });

  if (options.corsOrigins?.length) {
    const allowed = { origin: options.corsOrigins, methods: ['GET', 'POST'], allowedHeaders: ['authorization', 'content-type', 'if-none-match', 'x-ripcord-environment', 'x-api-key'], exposedHeaders: ['etag', 'retry-after'], maxAge: 600 };
    await app.register(cors, { delegator: (request, done) => done(null, BROWSER_ROUTES.test(request.url) ? allowed : { origin: false }) });
  }

  app.setErrorHandler((error: FastifyError, request, reply) => {
    let answer: RouteError;
    if (isRipcordError(error)) {
      if (error.code === 'forbidden') request.log.warn({ ip: request.ip, route: request.routeOptions.url, reason: redact(error.message) }, 'request refused by authorization');
      // A RipcordError with its own HTTP status (415 from body parsing) keeps it.
      const status = (error as { statusCode?: number }).statusCode ?? STATUS_OF[error.code];
      answer = { status, code: error.code, message: redact(error.message), issues: error.issues.map((i) => ({ path: i.path, message: redact(i.message) })) };
    } else if ((error.statusCode ?? 500) < 500) {
      // Fastify's own 4xx: malformed JSON, body too large, unsupported content type.
      const status = error.statusCode as number;
      const { message, path } = fastifyRefusal(error, request, options.bodyLimit ?? 1024 * 1024);
      answer = { status, code: codeForStatus(status), message: redact(message), issues: [{ path, message: redact(message) }] };
    } else {
      request.log.error({ err: { message: redact(error.message), stack: redact(error.stack ?? '') } }, 'unhandled error');
      answer = { status: 500, code: 'internal', message: `internal error; the server log has the details under request id ${request.id}`, issues: [] };
    }
    const shape = (request.routeOptions.config as { errorShape?: ApiRoute['errorShape'] } | undefined)?.errorShape;
    if (shape) {
      const shaped = shape(answer, request);
      void reply.code(shaped.status).send(shaped.body);
      return;
    }
    void reply.code(answer.status).send(errorBody(answer.code, answer.message, answer.issues));
  });

  registerBodyParsing(app);

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    options.metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    options.metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  const failures = new AuthFailureLimiter(options.authFailureLimit ?? DEFAULT_AUTH_FAILURE_LIMIT);
  const authMetrics = {
    failed: new Counter({ name: 'ripcord_auth_failures_total', help: 'Requests refused because their token was missing, unknown or revoked, by reason.', labelNames: ['reason'] as const, registers: [options.metrics.registry] }),
    limited: new Counter({ name: 'ripcord_auth_rate_limited_total', help: 'Requests refused with 429 because their address failed authentication too often.', registers: [options.metrics.registry] }),
  };
  // A valid token is never refused; an address past the limit of failures gets 429 for its next failures
  // (logged once when it crosses, so a scanner cannot flood the log) until a minute passes without them.
  const refuseAuthentication = (request: FastifyRequest, reply: FastifyReply, reason: 'missing_token' | 'unknown_token' | 'bad_signed_access'): never => {
    const wait = failures.retryAfter(request.ip);
    failures.record(request.ip);
    authMetrics.failed.inc({ reason });
    if (wait > 0) {
      authMetrics.limited.inc();
      void reply.header('retry-after', String(wait));
      throw new RipcordError('rate_limited', `too many failed authentications from ${request.ip} in the last minute (limit ${failures.limit}); retry after ${wait} s`);
    }
    // Never the credential itself: the address, the route and why.
    const crossed = failures.retryAfter(request.ip) > 0;
    request.log.warn({ ip: request.ip, route: request.routeOptions.url, reason, ...(crossed ? { limited: `next failures answer 429 for up to a minute` } : {}) }, 'authentication failed');
    void reply.header('www-authenticate', 'Bearer');
    throw new RipcordError(
      'unauthorized',
      reason === 'missing_token' ? 'this endpoint needs a bearer token (Authorization: Bearer rcp_…)' : reason === 'unknown_token' ? 'the bearer token is unknown or revoked' : 'the signed access in this URL is not valid',
    );
  };
  const signedToken = async (request: FastifyRequest, reply: FastifyReply, access: string, acts: ActsOn, params: unknown): Promise<ApiToken> => {
    const environment = acts.on === 'environment' && acts.in === 'params' ? (params as Record<string, unknown> | undefined)?.[acts.field] : undefined;
    let tokenId: string | undefined;
    try {
      if (typeof environment === 'string' && options.verifySignedAccess) tokenId = options.verifySignedAccess(access, environment);
    } catch (error) {
      request.log.warn({ ip: request.ip, reason: (error as Error).message }, 'signed access refused');
    }
    const token = tokenId ? await options.tokens.active(tokenId) : undefined;
    return token ?? refuseAuthentication(request, reply, 'bad_signed_access');
  };

  const checkRole = (route: ApiRoute, token: ApiToken) => {
    if (route.role && !anyRoleAllows(token.role, route.role)) {
      throw new RipcordError('forbidden', `token "${token.name}" has role ${token.role}; ${route.method} ${route.path} needs ${[route.role].flat().join(' or ')}`);
    }
  };

  for (const route of options.routes) {
    app.route({
      method: route.method,
      url: route.path.replace(/\{(\w+)\}/g, ':$1'),
      config: { errorShape: route.errorShape },
      handler: async (request, reply) => {
        let token: ApiToken | undefined;
        const apiKey = route.apiKeyHeader ? request.headers[route.apiKeyHeader] : undefined;
        const secret = route.role ? (bearer(request) ?? (typeof apiKey === 'string' && apiKey.trim() ? apiKey.trim() : undefined)) : undefined;
        // A signed credential in the URL stands for a token on the routes that take one (EventSource).
        const signed = route.signedAccess && !secret ? (request.query as Record<string, unknown> | undefined)?.[route.signedAccess] : undefined;
        if (route.role) {
          token = secret ? await options.tokens.authenticate(secret) : undefined;
          if (!token && typeof signed !== 'string') refuseAuthentication(request, reply, secret ? 'unknown_token' : 'missing_token');
          if (token) checkRole(route, token);
        }
        const parse = <S extends z.ZodType | undefined>(schema: S, value: unknown, where: 'body' | 'query' | 'params') => {
          if (!schema) return undefined;
          const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
          if (!result.success) throw validationError(where, result.error);
          return result.data;
        };
        const params = parse(route.params, request.params, 'params');
        const query = parse(route.query, request.query, 'query');
        if (route.role && !token && typeof signed === 'string') {
          token = await signedToken(request, reply, signed, route.acts, params);
          checkRole(route, token);
        }
        const body = parse(route.body, request.body, 'body');
        const { scope, environment } = await authorize(route.acts, token, { params, query, body, headers: request.headers }, options.resolvers ?? {});
        const result = await route.handler({ params, query, body, token, actor: token?.name ?? 'anonymous', scope, environment, request, reply });
        if (reply.sent) return reply;
        void reply.code(route.status ?? 200);
        if (route.produces) void reply.type(route.produces);
        return result;
      },
    });
  }
  await app.ready();
  return app;
}
