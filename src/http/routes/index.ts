import type { ApiRoute } from '../api-route.js';
import { detectionRoutes } from './detection-routes.js';
import { releaseRoutes } from './release-routes.js';
import { rollbackRoutes } from './rollback-routes.js';
import { statusRoutes } from './status-routes.js';
import { type SystemDeps, systemRoutes } from './system-routes.js';
import { tokenRoutes } from './token-routes.js';
import type { Ledger } from '../../deployments/ledger.js';
import type { TokenService } from '../../auth/token-service.js';
import type { DetectionModule } from '../../detection-module.js';
import type { FlagService } from '../../flags/flag-service.js';
import { flagRoutes } from './flag-routes.js';
import type { IncidentService } from '../../incidents/incident-service.js';
import type { Clock } from '../../core/clock.js';
import { incidentRoutes } from './incident-routes.js';
import { incidentLinkRoutes } from './incident-link-routes.js';
import { flagStreamRoutes } from './flag-stream-route.js';
import { ofrepRoutes } from './ofrep-routes.js';
import type { RollbacksModule } from '../../rollbacks-module.js';
import type { StreamRegistry } from '../stream-registry.js';

export interface RouteDeps extends Omit<SystemDeps, 'routes'> {
  ledger: Ledger;
  tokens: TokenService;
  detection?: DetectionModule | undefined;
  flags?: FlagService | undefined;
  /** OFREP evaluations per second per token before 429. */
  ofrepRateLimit?: number | undefined;
  incidents?: IncidentService | undefined;
  clock?: Clock | undefined;
  rollbacks?: RollbacksModule | undefined;
  /** The key of signed acknowledgement links. */
  ackSecret?: string | undefined;
  /** The key of signed flag-stream access in OFREP's advertised stream URLs. */
  streamSecret?: string | undefined;
  /** Open streams by token: capped, and closed when their token is revoked. */
  streams: StreamRegistry;
  /** The URL clients reach this server at (`--public-url`), for URLs the API hands out. */
  publicUrl?: (() => string | undefined) | undefined;
}

/** Every route of the API. Each feature contributes its list here. */
export function allRoutes(deps: RouteDeps): ApiRoute[] {
  const routes: ApiRoute[] = [];
  routes.push(
    ...systemRoutes({ ...deps, routes: () => routes }),
    ...releaseRoutes(deps),
    ...statusRoutes(deps),
    ...tokenRoutes(deps),
    ...detectionRoutes(deps),
    ...rollbackRoutes(deps),
  );
  if (deps.flags) routes.push(...flagRoutes({ ...deps, flags: deps.flags }), ...flagStreamRoutes({ ...deps, flags: deps.flags }), ...ofrepRoutes({ ...deps, flags: deps.flags }));
  if (deps.incidents) routes.push(...incidentRoutes({ ...deps, incidents: deps.incidents }), ...incidentLinkRoutes({ ...deps, incidents: deps.incidents }));
  return routes;
}
