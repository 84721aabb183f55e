import { isRipcordError } from '../../core/errors.js';
import type { Environments, ObjectResolvers } from '../authorization.js';
import type { RouteDeps } from './index.js';

/** A lookup that answers `undefined` for a missing object instead of throwing `not_found`. */
const environmentOf =
  <T>(get: (id: string) => Promise<T>, environments: (object: T) => Environments) =>
  async (id: string): Promise<Environments | undefined> => {
    try {
      return environments(await get(id));
    } catch (error) {
      if (isRipcordError(error) && error.code === 'not_found') return undefined;
      throw error;
    }
  };

/** How the server finds the environment of each kind of object a route names by id. */
export function objectResolvers(deps: RouteDeps): ObjectResolvers {
  const one = (object: { environment: string }) => [object.environment];
  return {
    release: environmentOf((id) => deps.ledger.get(id), one),
    ...(deps.detection ? { decision: environmentOf((id) => (deps.detection as NonNullable<RouteDeps['detection']>).decisions.get(id), one) } : {}),
    ...(deps.incidents ? { incident: environmentOf((id) => (deps.incidents as NonNullable<RouteDeps['incidents']>).get(id), one) } : {}),
    ...(deps.rollbacks ? { rollback: environmentOf((id) => (deps.rollbacks as NonNullable<RouteDeps['rollbacks']>).executor.get(id), one) } : {}),
    // A token is revoked by id or by name; an unlimited token belongs to every environment.
    token: async (idOrName) => {
      const all = await deps.tokens.list();
      const token = all.find((t) => t.id === idOrName) ?? all.find((t) => t.name === idOrName && !t.revokedAt);
      return token ? (token.environments ?? 'all') : undefined;
    },
  };
}
