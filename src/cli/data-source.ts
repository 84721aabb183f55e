import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { RipcordError } from '../core/errors.js';
import { ApiClient } from './api-client.js';

/** The CLI's local store directory when no --data-dir is given (the server's default too). */
export const DEFAULT_DATA_DIR = '.ripcord';

/** The options every command that reads or writes ripcord's data accepts. */
export interface DataSourceOptions {
  server?: string | undefined;
  token?: string | undefined;
  dataDir?: string | undefined;
  database?: string | undefined;
  config?: string | undefined;
  /** `rollback --local`: the local store even when a server is configured. */
  local?: boolean | undefined;
}

/** `.ripcord/cli-defaults.json`, written by the quickstart (`npm start`) so `ripcord release 2.0.0` finds its server. */
export interface CliDefaults {
  server?: string | undefined;
  token?: string | undefined;
  environment?: string | undefined;
}

export type DataSource =
  | { kind: 'server'; server: string; token: string | undefined; from: 'flag' | 'env' | 'quickstart'; client: ApiClient }
  | { kind: 'local'; dataDir: string; databaseUrl: string | undefined; where: string };

/** An empty value counts as unset, for flags and environment variables alike (`RIPCORD_SERVER= ripcord …`). */
function given(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export function cliDefaults(dataDir = DEFAULT_DATA_DIR): CliDefaults {
  const file = join(dataDir, 'cli-defaults.json');
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CliDefaults;
  } catch {
    return {};
  }
}

/**
 * The one place that decides where a command's data comes from. In order:
 * 1. `--server <url>` → that server;
 * 2. `--local`, `--data-dir` or `--database` → the local store (asking for a store means that store);
 * 3. `RIPCORD_SERVER` → that server;
 * 4. the quickstart's `.ripcord/cli-defaults.json` → its server;
 * 5. the local store: `RIPCORD_DATABASE_URL` (PostgreSQL), else SQLite under ./.ripcord.
 * The token is `--token`, then `RIPCORD_TOKEN`; the quickstart's token is sent only to the quickstart's
 * own server, never to a server named some other way.
 */
export function resolveDataSource(options: DataSourceOptions, env: NodeJS.ProcessEnv = process.env, quickstartDefaults: () => CliDefaults = cliDefaults): DataSource {
  const flagServer = given(options.server);
  const wantsLocal = options.local === true || given(options.dataDir) !== undefined || given(options.database) !== undefined;
  const token = given(options.token) ?? given(env.RIPCORD_TOKEN);
  const server = (url: string, from: 'flag' | 'env' | 'quickstart', key: string | undefined): DataSource => ({ kind: 'server', server: url, token: key, from, client: new ApiClient(url, key) });
  if (flagServer) return server(flagServer, 'flag', token);
  if (!wantsLocal) {
    const envServer = given(env.RIPCORD_SERVER);
    if (envServer) return server(envServer, 'env', token);
    const defaults = quickstartDefaults();
    const quickstart = given(defaults.server);
    if (quickstart) return server(quickstart, 'quickstart', token ?? given(defaults.token));
  }
  const databaseUrl = given(options.database) ?? given(env.RIPCORD_DATABASE_URL);
  const dataDir = given(options.dataDir) ?? DEFAULT_DATA_DIR;
  return { kind: 'local', dataDir, databaseUrl, where: databaseUrl ? 'local store on PostgreSQL' : `local store ${dataDir}` };
}

/** For commands that only work through a server (incidents, decisions, release): its client, or a usage error ending with `why`. */
export function serverClient(options: DataSourceOptions, why: string, env: NodeJS.ProcessEnv = process.env): ApiClient {
  const source = resolveDataSource({ ...options, dataDir: undefined, database: undefined, local: false }, env);
  if (source.kind !== 'server') throw new RipcordError('usage', `${why}: pass --server <url> (or set RIPCORD_SERVER) and --token`);
  return source.client;
}

export function addDataSourceOptions(command: Command): Command {
  return command
    .option('--server <url>', 'talk to this ripcord server (env RIPCORD_SERVER); without it, use the local store')
    .option('--token <token>', 'API token for --server (env RIPCORD_TOKEN)')
    .option('--data-dir <dir>', 'local store directory (default ./.ripcord)')
    .option('--database <url>', 'local store on PostgreSQL: postgres://… (env RIPCORD_DATABASE_URL)')
    .option('--config <file>', 'ripcord.yaml, for the default service and environments (default ./ripcord.yaml if present)');
}

export function addServerOptions(command: Command): Command {
  return command.option('--server <url>', 'ripcord server (env RIPCORD_SERVER)').option('--token <token>', 'API token (env RIPCORD_TOKEN)');
}
