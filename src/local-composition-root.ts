import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { TokenService } from './auth/token-service.js';
import type { RipcordConfig } from './config/ripcord-config.js';
import { systemClock } from './core/clock.js';
import { EventBus } from './core/events.js';
import { Ledger } from './deployments/ledger.js';
import type { DetectionModule } from './detection-module.js';
import type { FlagService } from './flags/flag-service.js';
import type { RollbacksModule } from './rollbacks-module.js';
import { KyselyLedgerRepository } from './store/kysely-ledger-repository.js';
import { openStore, type Store } from './store/open-store.js';

export interface LocalRootOptions {
  /** SQLite directory (default ./.ripcord); ignored when `databaseUrl` is given. */
  dataDir: string;
  databaseUrl?: string | undefined;
}

/**
 * The second composition root (the first is app.ts): what the CLI wires when it acts on the local store
 * without a server — `deploy record`, `status`, `flags`, `token` for the first admin, `watch` once,
 * `rollback --local` when the server is down. Only the CLI's local paths import it, so commands that
 * talk to a server never load the store.
 */
export class LocalCompositionRoot {
  /** Who the local store records as the actor. */
  readonly actor = `local:${userInfo().username}`;
  readonly events = new EventBus();
  readonly ledger: Ledger;

  private constructor(
    readonly store: Store,
    private readonly options: LocalRootOptions,
  ) {
    this.ledger = new Ledger(new KyselyLedgerRepository(store.db), systemClock, this.events);
  }

  static async open(options: LocalRootOptions): Promise<LocalCompositionRoot> {
    return new LocalCompositionRoot(await openStore({ databaseUrl: options.databaseUrl, dataDir: options.dataDir }), options);
  }

  /** For people: where the data lives. */
  get where(): string {
    return `local store ${this.store.location}`;
  }

  async flags(): Promise<FlagService> {
    const [{ FlagService }, { KyselyFlagRepository }] = await Promise.all([import('./flags/flag-service.js'), import('./store/kysely-flag-repository.js')]);
    return new FlagService(new KyselyFlagRepository(this.store.db), systemClock, this.events);
  }

  /** Releases recorded through this root snapshot the environment's flags, as the server's do. */
  async snapshotFlagsWithReleases(): Promise<void> {
    const [{ ReleaseFlags }, { KyselyFlagRepository }] = await Promise.all([import('./flags/release-flags.js'), import('./store/kysely-flag-repository.js')]);
    new ReleaseFlags(await this.flags(), new KyselyFlagRepository(this.store.db)).subscribe(this.events);
  }

  async tokens(): Promise<TokenService> {
    const [{ TokenService }, { KyselyTokenRepository }] = await Promise.all([import('./auth/token-service.js'), import('./store/kysely-token-repository.js')]);
    return new TokenService(new KyselyTokenRepository(this.store.db));
  }

  // Providers and detection load only for the commands that use them (rollback --local, watch).
  async rollbacks(config: RipcordConfig, configFile: string): Promise<RollbacksModule> {
    const { createRollbacksModule } = await import('./rollbacks-module.js');
    return createRollbacksModule({ config, configFile, db: this.store.db, ledger: this.ledger, events: this.events, clock: systemClock, stateDir: join(this.options.dataDir, 'providers') });
  }

  async detection(config: RipcordConfig): Promise<DetectionModule> {
    const { createDetectionModule } = await import('./detection-module.js');
    return createDetectionModule({ config, db: this.store.db, ledger: this.ledger, events: this.events, clock: systemClock });
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
