import { dirname } from 'node:path';
import type { EnvironmentConfig } from '../config/schema/config-schema.js';
import type { ProviderConfig, ProviderKind } from '../config/schema/provider-schema.js';
import type { RollbackStepConfig } from '../config/schema/steps-schema.js';
import { RipcordError } from '../core/errors.js';
import { CommandProvider } from './command/command-provider.js';
import { ConfigProvider } from './config/config-provider.js';
import { GitProvider } from './git/git-provider.js';
import { MemoryProvider } from './memory/memory-provider.js';
import { PostgresProvider } from './postgres/postgres-provider.js';
import { ProcessProvider } from './process/process-provider.js';
import { RouterProvider } from './router/router-provider.js';
import type { Provider } from './provider.js';
import type { ProviderDeps } from './provider-deps.js';

type FactoryFor<K extends ProviderKind> = (config: Extract<ProviderConfig, { kind: K }>, deps: ProviderDeps) => Provider;

/**
 * How each `provider: {kind}` is built. Kinds implemented elsewhere (router, process) add one line
 * here; a kind with no factory is refused with a clear message instead of failing mid-rollback.
 */
export const providerFactories: { [K in ProviderKind]?: FactoryFor<K> } = {
  memory: () => new MemoryProvider(),
  command: (config, deps) => new CommandProvider(config, deps),
  git: (config, deps) => new GitProvider(config, deps),
  router: (config, deps) => new RouterProvider(config, { stateDir: deps.stateDir }),
  process: (config, deps) => new ProcessProvider(config, deps),
};

/**
 * The action of each `provider:` kind that a `previous_release` step runs (put the target release back),
 * and the one `ripcord release` deploys with. Router and process add their line.
 */
export const previousReleaseActions: Partial<Record<ProviderKind, string>> = { memory: 'rollback_to', command: 'rollback', git: 'revert', router: 'rollback_to', process: 'rollback_to' };
export const deployActions: Partial<Record<ProviderKind, string>> = { memory: 'deploy', command: 'deploy', router: 'deploy', process: 'deploy' };

export function createProvider(config: ProviderConfig, deps: ProviderDeps): Provider {
  const factory = providerFactories[config.kind] as FactoryFor<typeof config.kind> | undefined;
  if (!factory) {
    const ready = Object.keys(providerFactories).join(', ');
    throw new RipcordError('invalid_input', `ripcord cannot act through a "${config.kind}" provider yet (available here: ${ready})`, [
      { path: 'provider.kind', message: `no provider implementation for ${config.kind}` },
    ]);
  }
  return factory(config as never, deps);
}

/** Every provider an environment's plan may use, built from its ripcord.yaml section. */
export interface EnvironmentProviders {
  /** `provider:` (deploy, previous_release, traffic). */
  main?: Provider | undefined;
  /** `{command: …}` steps and smoke commands. */
  command: CommandProvider;
  /** `database:` → backup safeguard and `{database: …}` steps. */
  database?: PostgresProvider | undefined;
  /** `config_files:` → config snapshot safeguard and `{config: restore}`. */
  config?: ConfigProvider | undefined;
  /** `git:` (or a git `provider:`) → the tag safeguard. */
  git?: GitProvider | undefined;
}

export interface EnvironmentProviderOptions extends ProviderDeps {
  /** Relative paths in the config (config_files, migrations) are relative to ripcord.yaml's folder. */
  configFile?: string | undefined;
}

export function createEnvironmentProviders(env: EnvironmentConfig, options: EnvironmentProviderOptions): EnvironmentProviders {
  const baseDir = options.configFile ? dirname(options.configFile) : process.cwd();
  const deps: ProviderDeps = { stateDir: options.stateDir, clock: options.clock };
  const main = env.provider ? createProvider(env.provider, deps) : undefined;
  const gitSettings = env.git ?? (env.provider?.kind === 'git' ? env.provider : undefined);
  return {
    main,
    command: main instanceof CommandProvider ? main : new CommandProvider(undefined, deps),
    database: env.database ? new PostgresProvider({ ...env.database, migrations: resolveFrom(baseDir, env.database.migrations), backups: resolveFrom(baseDir, env.database.backups) }, deps) : undefined,
    config: env.config_files ? new ConfigProvider({ files: env.config_files, base_dir: baseDir }, deps) : undefined,
    git: main instanceof GitProvider ? main : gitSettings ? new GitProvider({ kind: 'git', ...gitSettings }, deps) : undefined,
  };
}

function resolveFrom(baseDir: string, path: string | undefined): string | undefined {
  if (!path) return undefined;
  return path.startsWith('/') ? path : `${baseDir}/${path}`;
}

/** Which provider and action a rollback step runs, with its params: the executor's lookup table. */
export interface StepAction {
  provider: keyof EnvironmentProviders;
  action: string;
  params: Record<string, unknown>;
}

const DATABASE_ACTIONS = { 'down-migrations': 'down_migrations', restore: 'restore', 'restore-if-migrated': 'restore_if_migrated' } as const;

/**
 * Steps handled by these providers; `undefined` for the ones the executor maps itself
 * (previous_release, traffic, flags, and step/fallback pairs, which it unwraps first).
 */
export function providerStepAction(step: RollbackStepConfig): StepAction | undefined {
  if (typeof step !== 'object') return undefined;
  if ('database' in step) {
    return { provider: 'database', action: DATABASE_ACTIONS[step.database], params: step.allow_data_loss ? { allow_data_loss: true } : {} };
  }
  if ('config' in step) return { provider: 'config', action: 'restore', params: {} };
  if ('command' in step) return { provider: 'command', action: 'run', params: { command: step.command, timeout: step.timeout } };
  return undefined;
}
