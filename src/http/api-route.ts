import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Role } from '../auth/roles.js';
import type { ApiToken } from '../auth/token-service.js';
import type { ErrorCode, ErrorIssue } from '../core/errors.js';
import type { ActsOn } from './authorization.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The caller's token; undefined only on public routes. */
  token: ApiToken | undefined;
  /** Who to write in the audit log: the token's name. */
  actor: string;
  /** The token's environments, for lists and aggregates to filter by; undefined = every environment. */
  scope: readonly string[] | undefined;
  /** The environment the route acts on, resolved by the server (for `environment` routes, e.g. OFREP's header). */
  environment: string | undefined;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** An error as the server is about to answer it. */
export interface RouteError {
  status: number;
  code: ErrorCode;
  message: string;
  issues: ErrorIssue[];
}

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/**
 * One API route, declared once: the schemas that validate the request are the ones the OpenAPI
 * document is generated from (http/openapi.ts), so the two cannot drift apart.
 */
export interface ApiRoute<P extends Schema | undefined = Schema | undefined, Q extends Schema | undefined = Schema | undefined, B extends Schema | undefined = Schema | undefined> {
  method: HttpMethod;
  /** OpenAPI style: `/api/v1/releases/{id}`. */
  path: string;
  summary: string;
  tag: string;
  /** Least role allowed (or any of several); `null` for public routes (health, metrics, the OpenAPI document). */
  role: Role | readonly Role[] | null;
  /** What the route acts on: the server checks the token's environments against it before the handler runs. */
  acts: ActsOn;
  /**
   * A query parameter that may carry a signed, expiring credential instead of a bearer header (browsers'
   * EventSource cannot send headers); it names a token, which is then checked like a bearer token.
   */
  signedAccess?: string;
  /** A header that may carry the token instead of `Authorization: Bearer` (OFREP's `X-API-Key`). */
  apiKeyHeader?: string;
  /**
   * How this route's refusals look, for protocols with their own error bodies (OFREP): every error the
   * server answers for it — authentication, authorization, validation, body parsing — is passed here.
   */
  errorShape?: (error: RouteError, request: FastifyRequest) => { status: number; body: unknown };
  params?: P;
  query?: Q;
  body?: B;
  /** The success answer, for the document. */
  response?: Schema;
  /** Success status; 200 unless said. */
  status?: number;
  /** Content type of the answer when it is not JSON (`/metrics`). */
  produces?: string;
  handler(context: RouteContext<Out<P>, Out<Q>, Out<B>>): Promise<unknown>;
}

/** Keeps the schema types flowing into the handler's context. */
export function defineRoute<P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined>(
  route: ApiRoute<P, Q, B>,
): ApiRoute {
  return route as unknown as ApiRoute;
}
