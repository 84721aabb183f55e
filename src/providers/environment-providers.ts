import { dirname } from 'node:path';
import type { EnvironmentConfig } from '../config/schema/config-schema.js';
import type { RollbackStepConfig } from '../config/schema/steps-schema.js';
import { CommandProvider } from './command/command-provider.js';
import { ConfigProvider } from './config/config-provider.js';
import { GitProvider } from './git/git-provider.js';
import { PostgresProvider } from './postgres/postgres-provider.js';
import type { Provider } from './provider.js';
import type { ProviderDeps } from './provider-deps.js';
import { createProvider } from './provider-registry.js';

/** Every provider an environment's plan may use, by slot. */
export interface EnvironmentProviders {
  /** `provider:` (deploy, previous_release, traffic). */
  main?: Provider | undefined;
  /** `{command: …}` steps and smoke commands. */
  command: Provider;
  /** `database:` → backup safeguard and `{database: …}` steps. */
  database?: PostgresProvider | undefined;
  /** `config_files:` → config snapshot safeguard and `{config: restore}`. */
  config?: ConfigProvider | undefined;
  /** `git:` (or a main provider that fills the `git` slot) → the tag safeguard. */
  git?: Provider | undefined;
}

export interface EnvironmentProviderOptions extends ProviderDeps {
  /** Relative paths in the config (config_files, migrations) are relative to ripcord.yaml's folder. */
  configFile?: string | undefined;
}

/**
 * The environment's `provider:` (by its kind, through the registry) and the providers of its other
 * sections (`database:`, `config_files:`, `git:`, and the command runner every plan has). A main
 * provider that declares a slot (`capabilities.slots`) fills it instead of a second instance.
 */
export function createEnvironmentProviders(env: EnvironmentConfig, options: EnvironmentProviderOptions): EnvironmentProviders {
  const baseDir = options.configFile ? dirname(options.configFile) : process.cwd();
  const { configFile: _configFile, ...deps } = options;
  const main = env.provider ? createProvider(env.provider, deps) : undefined;
  const fills = (slot: string) => (main?.capabilities?.slots?.includes(slot) ? main : undefined);
  return {
    main,
    command: fills('command') ?? new CommandProvider(undefined, deps),
    database: env.database ? new PostgresProvider({ ...env.database, migrations: resolveFrom(baseDir, env.database.migrations), backups: resolveFrom(baseDir, env.database.backups) }, deps) : undefined,
    config: env.config_files ? new ConfigProvider({ files: env.config_files, base_dir: baseDir }, deps) : undefined,
    git: fills('git') ?? (env.git ? new GitProvider({ kind: 'git', ...env.git }, deps) : undefined),
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
 * Steps handled by the section providers; `undefined` for the ones the plan builder maps itself
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
