import type { Clock } from '../core/clock.js';

/** What the executor hands every provider factory. */
export interface ProviderDeps {
  /** A directory the provider owns for its idempotency journal, backups and snapshots (created if missing). */
  stateDir: string;
  clock?: Clock | undefined;
}
