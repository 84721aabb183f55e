import { createGunzip } from 'node:zlib';
import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { roleAllows } from '../auth/roles.js';
import type { ApiToken, TokenService } from '../auth/token-service.js';
import { isRipcordError, RipcordError } from '../core/errors.js';
import { redact } from '../core/secrets.js';
import type { ApiRoute } from './api-route.js';
import { codeForStatus, STATUS_OF } from './error-status.js';
import type { HttpMetrics } from './http-metrics.js';
import { describeStoreFault, isStoreUnavailable, STORE_RETRY_AFTER_SECONDS } from '../store/store-unavailable.js';

export interface ServerOptions {
  routes: readonly ApiRoute[];
  tokens: TokenService;
  metrics: HttpMetrics;
  logger: Logger;
  /** Largest request body accepted, in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Browser origins allowed to call what browser apps call (OFREP, the flag stream, the banner, /status). */
  corsOrigins?: string[] | undefined;
}

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

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** The environment a request touches, for tokens limited to some environments. */
function environmentOf(...sources: unknown[]): string | undefined {
  for (const source of sources) {
    if (source && typeof source === 'object') {
      const record = source as Record<string, unknown>;
      const value = record.env ?? record.environment;
      if (typeof value === 'string') return value;
    }
  }
  return undefined;
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
  });

  if (options.corsOrigins?.length) {
    const allowed = { origin: options.corsOrigins, methods: ['GET', 'POST'], allowedHeaders: ['authorization', 'content-type', 'if-none-match', 'x-ripcord-environment'], exposedHeaders: ['etag', 'retry-after'], maxAge: 600 };
    await app.register(cors, { delegator: (request, done) => done(null, BROWSER_ROUTES.test(request.url) ? allowed : { origin: false }) });
  }

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isRipcordError(error)) {
      if (error.code === 'unavailable') void reply.header('retry-after', String(STORE_RETRY_AFTER_SECONDS));
      void reply.code(STATUS_OF[error.code]).send(errorBody(error.code, error.message, error.issues));
      return;
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      // Fastify's own 4xx: malformed JSON, body too large, unsupported content type.
      const message = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `request body is larger than the ${options.bodyLimit ?? 1024 * 1024} bytes allowed` : error.message;
      void reply.code(status).send(errorBody(codeForStatus(status), message, [{ path: 'body', message }]));
      return;
    }
    if (isStoreUnavailable(error)) {
      // The database is away (stopped, unreachable, disk full): retryable, not a bug.
      request.log.warn({ err: { message: describeStoreFault(error) } }, 'store unavailable');
      void reply.code(503).header('retry-after', String(STORE_RETRY_AFTER_SECONDS)).send(errorBody('unavailable', `the store is unavailable (${describeStoreFault(error)}); try again in ${STORE_RETRY_AFTER_SECONDS}s`));
      return;
    }
    request.log.error({ err: { message: redact(error.message), stack: redact(error.stack ?? '') } }, 'unhandled error');
    void reply.code(500).send(errorBody('internal', `internal error; the server log has the details under request id ${request.id}`));
  });

  // `Content-Encoding: gzip` bodies (ingest batches) are unzipped before parsing. The body limit applies
  // to the unzipped bytes (so no zip bombs); `receivedEncodedLength` lets Fastify check Content-Length
  // against the bytes actually received.
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (request.headers['content-encoding'] !== 'gzip') return payload;
    const gunzip = createGunzip();
    const counted = gunzip as typeof gunzip & { receivedEncodedLength?: number };
    counted.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => {
      counted.receivedEncodedLength = (counted.receivedEncodedLength ?? 0) + chunk.length;
    });
    payload.pipe(gunzip);
    return gunzip;
  });

  // HTML forms (the signed acknowledgement page) post URL-encoded fields.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    options.metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    options.metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  for (const route of options.routes) {
    app.route({
      method: route.method,
      url: route.path.replace(/\{(\w+)\}/g, ':$1'),
      handler: async (request, reply) => {
        let token: ApiToken | undefined;
        if (route.role) {
          const secret = bearer(request);
          token = secret ? await options.tokens.authenticate(secret) : undefined;
          if (!token) {
            void reply.header('www-authenticate', 'Bearer');
            throw new RipcordError('unauthorized', secret ? 'the bearer token is unknown or revoked' : 'this endpoint needs a bearer token (Authorization: Bearer rcp_…)');
          }
          if (!roleAllows(token.role, route.role)) {
            throw new RipcordError('forbidden', `token "${token.name}" has role ${token.role}; ${route.method} ${route.path} needs ${route.role}`);
          }
        }
        const parse = <S extends z.ZodType | undefined>(schema: S, value: unknown, where: 'body' | 'query' | 'params') => {
          if (!schema) return undefined;
          const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
          if (!result.success) throw validationError(where, result.error);
          return result.data;
        };
        const params = parse(route.params, request.params, 'params');
        const query = parse(route.query, request.query, 'query');
        const body = parse(route.body, request.body, 'body');
        const environment = environmentOf(params, body, query);
        if (token?.environments && environment && !token.environments.includes(environment)) {
          throw new RipcordError('forbidden', `token "${token.name}" is limited to ${token.environments.join(', ')}; it cannot act on ${environment}`);
        }
        const result = await route.handler({ params, query, body, token, actor: token?.name ?? 'anonymous', request, reply });
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
