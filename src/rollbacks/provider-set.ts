import type { EnvironmentPlan } from '../config/ripcord-config.js';
import type { Provider } from '../providers/provider.js';
import { createEnvironmentProviders } from '../providers/environment-providers.js';
import type { ProviderDeps } from '../providers/provider-deps.js';
import type { PostgresProvider } from '../providers/postgres/postgres-provider.js';
import type { OutcomeSink } from '../signals/request-outcome.js';
import type { ProviderSet } from './rollback-executor.js';
import { type VerificationDeps, VerificationProvider } from './verification-provider.js';

export interface ProviderSetOptions extends ProviderDeps {
  configFile?: string | undefined;
  verification?: VerificationDeps | undefined;
  /** Slots other features provide: `flags` (flags_off / flags_set steps) from the flags feature. */
  extra?: Record<string, Provider | undefined> | undefined;
  /** Where a provider that sees requests (the router) sends each one's outcome (the detection module's aggregator). */
  outcomes?: OutcomeSink | undefined;
  service?: string | undefined;
}

/** Every provider an environment's plan can use, by the slot names plan steps refer to. */
export function buildProviderSet(env: EnvironmentPlan, options: ProviderSetOptions): ProviderSet {
  const built = createEnvironmentProviders(env, {
    stateDir: options.stateDir,
    clock: options.clock,
    configFile: options.configFile,
    outcomes: options.outcomes,
    service: options.service,
    environment: env.name,
  });
  return {
    main: built.main,
    command: built.command,
    database: built.database,
    config: built.config,
    git: built.git,
    // `{ sql, expect }` verification runs on the environment's database, when it has one.
    verify: new VerificationProvider({ ...options.verification, ...(built.database ? { sql: (text: string, signal: AbortSignal) => (built.database as PostgresProvider).scalar(text, signal) } : {}) }),
    ...options.extra,
  };
}
