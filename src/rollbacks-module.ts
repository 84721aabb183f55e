import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { RipcordConfig } from './config/ripcord-config.js';
import type { Clock } from './core/clock.js';
import type { EventBus } from './core/events.js';
import type { Ledger } from './deployments/ledger.js';
import type { Provider } from './providers/provider.js';
import type { OutcomeSink } from './signals/request-outcome.js';
import { buildProviderSet } from './rollbacks/provider-set.js';
import { ReleaseRunner, type ReleaseWatcher } from './rollbacks/release-runner.js';
import { type ProviderSet, RollbackExecutor } from './rollbacks/rollback-executor.js';
import type { VerificationSignals } from './rollbacks/verification-provider.js';
import { KyselyRollbackRepository } from './store/kysely-rollback-repository.js';
import type { Database } from './store/schema.js';

export interface RollbacksModule {
  executor: RollbackExecutor;
  /** `ripcord release`: safeguards, deploy, watch, verify. */
  releases: ReleaseRunner;
  /** Starts what must run with the server: each environment's provider that has a lifecycle (the router's proxy). */
  start(): Promise<string[]>;
  /** The providers of each environment, built once and shared by plans and `ripcord release`. */
  providers(environment: string): ProviderSet;
  close(): Promise<void>;
}

export interface RollbacksModuleOptions {
  config: RipcordConfig;
  configFile?: string | undefined;
  db: Kysely<Database>;
  ledger: Ledger;
  events: EventBus;
  clock: Clock;
  /** Where providers keep journals, backups and snapshots. */
  stateDir: string;
  signals?: VerificationSignals | undefined;
  /** Providers other features add by slot (flags). */
  extra?: (environment: string) => Record<string, Provider | undefined>;
  logger?: { info(obj: object, msg: string): void; error(obj: object, msg: string): void } | undefined;
  cooldownMs?: number | undefined;
  leaseMs?: number | undefined;
  outcomes?: OutcomeSink | undefined;
  watcher?: ReleaseWatcher | undefined;
}

/** The executor and the providers it acts through, built by the composition root (app.ts) or `ripcord rollback --local`. */
export function createRollbacksModule(options: RollbacksModuleOptions): RollbacksModule {
  const sets = new Map<string, ProviderSet>();
  const providers = (environment: string): ProviderSet => {
    let set = sets.get(environment);
    const env = options.config.environments[environment];
    if (!set && env) {
      set = buildProviderSet(env, {
        stateDir: join(options.stateDir, environment),
        clock: options.clock,
        configFile: options.configFile,
        verification: { signals: options.signals },
        outcomes: options.outcomes,
        service: options.config.service,
        extra: options.extra?.(environment),
      });
      sets.set(environment, set);
    }
    return set ?? {};
  };
  const executor = new RollbackExecutor({
    repository: new KyselyRollbackRepository(options.db),
    ledger: options.ledger,
    events: options.events,
    config: options.config,
    providers,
    clock: options.clock,
    logger: options.logger,
    cooldownMs: options.cooldownMs,
    leaseMs: options.leaseMs,
  });
  const releases = new ReleaseRunner({
    config: options.config,
    ledger: options.ledger,
    events: options.events,
    executor,
    providers,
    watcher: options.watcher,
    clock: options.clock,
    logger: options.logger,
  });
  return {
    executor,
    releases,
    providers,
    start: async () => {
      const urls: string[] = [];
      for (const name of Object.keys(options.config.environments)) {
        const main = providers(name).main;
        if (!main?.capabilities?.lifecycle || !main.open) continue;
        const where = await main.open();
        if (where) urls.push(`${name}: ${where}`);
      }
      return urls;
    },
    close: async () => {
      for (const set of sets.values()) {
        for (const provider of new Set(Object.values(set))) await provider?.close?.().catch(() => undefined);
      }
    },
  };
}
