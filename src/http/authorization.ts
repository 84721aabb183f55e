import { type Role, roleAllows } from '../auth/roles.js';
import type { ApiToken } from '../auth/token-service.js';
import { notFound, RipcordError } from '../core/errors.js';

/** Objects a route can name by id; each feature registers how to find an object's environment. */
export const OBJECT_KINDS = ['release', 'decision', 'incident', 'rollback', 'token'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

/** The environments something belongs to: a list, or every environment (an unlimited token, a global setting). */
export type Environments = readonly string[] | 'all';

/**
 * What a route acts on. The server resolves it to environments and checks the token against them
 * before the handler runs; handlers never check scope themselves.
 * - `nothing`: no environment's data (health, the API document, public pages with public words only).
 * - `environment`: the one environment the request names in `in.field`. The `header` form falls back to
 *   the token's environment when the token is limited to exactly one (OFREP apps send no header).
 * - `environments`: the environments a request body names, e.g. the labels of Alertmanager's alerts or a
 *   new token's limit; `'all'` when it names none, which only an unlimited token covers.
 * - `list`: a list or aggregate; the handler gets `scope` (the token's environments) to filter by, and
 *   naming another environment in `in.field` is 403.
 * - an object kind: the object with the id in `params[param]`; of another environment (or missing) → 404.
 * - `everything`: the whole server (config, audit): only tokens with no environment limit.
 */
export type ActsOn =
  | { on: 'nothing' }
  | { on: 'environment'; in: 'params' | 'query' | 'body' | 'header'; field: string }
  | { on: 'environments'; named: (request: { body: unknown }, scope: readonly string[] | undefined) => Environments }
  | { on: 'list'; in?: 'query'; field?: string }
  | { on: ObjectKind; param: string }
  | { on: 'everything' };

/** How the server finds the environments of an object; `undefined` when there is no such object. */
export type ObjectResolvers = Partial<Record<ObjectKind, (id: string) => Promise<Environments | undefined>>>;

/** The token may act on every environment named (an unlimited token acts on all). */
export function covers(token: { environments?: readonly string[] | undefined }, environments: Environments): boolean {
  if (!token.environments) return true;
  if (environments === 'all') return false;
  const allowed = token.environments;
  return environments.every((environment) => allowed.includes(environment));
}

/** One role among several may do (the flag stream: an app's `flags` token or any viewer). */
export function anyRoleAllows(role: Role, required: Role | readonly Role[]): boolean {
  return typeof required === 'string' ? roleAllows(role, required) : required.some((r) => roleAllows(role, r));
}

const describe = (environments: Environments) => (environments === 'all' ? 'every environment' : environments.join(', '));

export interface Resolved {
  /** The token's environments, for lists to filter by; undefined = unlimited (or a public route). */
  scope: readonly string[] | undefined;
  /** The environment a route of kind `environment` names (resolved from the header for OFREP). */
  environment: string | undefined;
}

/**
 * The one authorization rule: a token acts only on objects of its environments, whatever the route
 * calls them. Throws `forbidden` for an environment the request names explicitly, `not_found` for an
 * object (so ids of other environments are not confirmed to exist).
 */
export async function authorize(
  acts: ActsOn,
  token: ApiToken | undefined,
  request: { params: unknown; query: unknown; body: unknown; headers: Record<string, string | string[] | undefined> },
  resolvers: ObjectResolvers,
): Promise<Resolved> {
  const limited = token?.environments;
  const field = (where: 'params' | 'query' | 'body', name: string): unknown => {
    const source = request[where];
    return source && typeof source === 'object' ? (source as Record<string, unknown>)[name] : undefined;
  };
  const refuse = (environments: Environments): never => {
    throw new RipcordError('forbidden', `token "${token?.name}" is limited to ${limited?.join(', ')}; it cannot act on ${describe(environments)}`);
  };
  switch (acts.on) {
    case 'nothing':
      return { scope: undefined, environment: undefined };
    case 'everything':
      if (token && limited) refuse('all');
      return { scope: undefined, environment: undefined };
    case 'environment': {
      let named: unknown;
      if (acts.in === 'header') {
        const header = request.headers[acts.field];
        named = typeof header === 'string' && header !== '' ? header : limited?.length === 1 ? limited[0] : undefined;
        if (named === undefined) {
          throw new RipcordError('invalid_input', `which environment? send the ${acts.field} header, or use a token limited to one environment`, [
            { path: `headers.${acts.field}`, message: 'is required for this token' },
          ]);
        }
      } else {
        named = field(acts.in, acts.field);
      }
      if (typeof named !== 'string') throw new RipcordError('invalid_input', `${acts.in}.${acts.field} is required`, [{ path: `${acts.in}.${acts.field}`, message: 'is required' }]);
      if (token && !covers(token, [named])) refuse([named]);
      return { scope: limited, environment: named };
    }
    case 'environments': {
      const named = acts.named(request, limited);
      if (token && !covers(token, named)) refuse(named);
      return { scope: limited, environment: undefined };
    }
    case 'list': {
      const named = acts.field ? field(acts.in ?? 'query', acts.field) : undefined;
      if (token && typeof named === 'string' && !covers(token, [named])) refuse([named]);
      return { scope: limited, environment: typeof named === 'string' ? named : undefined };
    }
    default: {
      const id = field('params', acts.param);
      const resolve = resolvers[acts.on];
      if (!resolve) throw new RipcordError('internal', `no resolver for ${acts.on} objects is registered`);
      const environments = typeof id === 'string' ? await resolve(id) : undefined;
      // Missing and out of scope answer alike: a token cannot learn that another environment's id exists.
      if (!environments || (token && !covers(token, environments))) throw notFound(`${acts.on} ${String(id)}`);
      return { scope: limited, environment: environments !== 'all' && environments.length === 1 ? environments[0] : undefined };
    }
  }
}
