import type { Clock } from '../core/clock.js';
import type { OutcomeSink } from '../signals/request-outcome.js';

/** What the executor hands every provider factory. */
export interface ProviderDeps {
  /** A directory the provider owns for its idempotency journal, backups and snapshots (created if missing). */
  stateDir: string;
  clock?: Clock | undefined;
  /** Which service and environment the provider acts for (labels its outcomes and logs). */
  service?: string | undefined;
  environment?: string | undefined;
  /** Where a provider that sees requests (a proxy, a log drain) sends each request's outcome. */
  outcomes?: OutcomeSink | undefined;
}
