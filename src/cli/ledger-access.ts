import { systemClock } from '../core/clock.js';
import { EventBus } from '../core/events.js';
import { FlagService } from '../flags/flag-service.js';
import { ReleaseFlags } from '../flags/release-flags.js';
import { KyselyFlagRepository } from '../store/kysely-flag-repository.js';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { requireConfig } from '../config/load-config.js';
import type { RipcordConfig } from '../config/ripcord-config.js';
import { RipcordError } from '../core/errors.js';
import { type EnvironmentSummary, Ledger, type RecordReleaseInput, type ReleasePage } from '../deployments/ledger.js';
import type { ReleaseDetails, ReleaseStatus } from '../deployments/release.js';
import { KyselyLedgerRepository } from '../store/kysely-ledger-repository.js';
import { openStore } from '../store/open-store.js';
import { ApiClient } from './api-client.js';

export interface DataSourceOptions {
  server?: string;
  token?: string;
  dataDir?: string;
  database?: string;
  config?: string;
}

export interface StatusReport {
  service?: string | undefined;
  environments: EnvironmentSummary[];
}

/** The ledger as the CLI sees it: through a running server, or straight from the local store. */
export interface LedgerAccess {
  /** For people: where the data came from. */
  where: string;
  record(input: RecordReleaseInput): Promise<ReleaseDetails>;
  list(filter: { service?: string | undefined; environment?: string | undefined; status?: ReleaseStatus | undefined; limit?: number | undefined; cursor?: string | undefined }): Promise<ReleasePage>;
  get(id: string): Promise<ReleaseDetails>;
  transition(id: string, status: ReleaseStatus, reason?: string): Promise<ReleaseDetails>;
  markStable(id: string): Promise<ReleaseDetails>;
  status(): Promise<StatusReport>;
  close(): Promise<void>;
}

export function addDataSourceOptions(command: Command): Command {
  return command
    .option('--server <url>', 'talk to this ripcord server (env RIPCORD_SERVER); without it, use the local store')
    .option('--token <token>', 'API token for --server (env RIPCORD_TOKEN)')
    .option('--data-dir <dir>', 'local store directory (default ./.ripcord)')
    .option('--database <url>', 'local store on PostgreSQL: postgres://… (env RIPCORD_DATABASE_URL)')
    .option('--config <file>', 'ripcord.yaml, for the default service and environments (default ./ripcord.yaml if present)');
}

/** The config named by --config, or ./ripcord.yaml when it exists; undefined when neither. */
export function optionalConfig(file: string | undefined): RipcordConfig | undefined {
  if (file) return requireConfig(file);
  return existsSync('ripcord.yaml') ? requireConfig('ripcord.yaml') : undefined;
}

export async function openLedgerAccess(options: DataSourceOptions): Promise<LedgerAccess> {
  const server = options.server ?? process.env.RIPCORD_SERVER;
  if (server) return remoteAccess(new ApiClient(server, options.token ?? process.env.RIPCORD_TOKEN));
  const config = optionalConfig(options.config);
  const store = await openStore({ databaseUrl: options.database ?? process.env.RIPCORD_DATABASE_URL, dataDir: options.dataDir });
  // Releases recorded on the local store snapshot the flags too, as the server does.
  const events = new EventBus((error) => process.stderr.write(`warning: the release's flag snapshot was not taken: ${(error as Error).message}\n`));
  new ReleaseFlags(new FlagService(new KyselyFlagRepository(store.db)), new KyselyFlagRepository(store.db)).subscribe(events);
  const ledger = new Ledger(new KyselyLedgerRepository(store.db), systemClock, events);
  const actor = `local:${userInfo().username}`;
  return {
    where: `local store ${store.location}`,
    record: (input) => ledger.record(input, actor),
    list: (filter) => ledger.list(filter),
    get: (id) => ledger.get(id),
    transition: (id, status, reason) => ledger.transition(id, status, actor, reason),
    markStable: (id) => ledger.markStable(id, actor),
    status: async () => ({
      service: config?.service,
      environments: await ledger.summary(Object.keys(config?.environments ?? {}).map((environment) => ({ service: config?.service as string, environment }))),
    }),
    close: () => store.close(),
  };
}

function remoteAccess(client: ApiClient): LedgerAccess {
  const query = (params: Record<string, string | number | undefined>) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
    const text = search.toString();
    return text ? `?${text}` : '';
  };
  const id = (value: string) => encodeURIComponent(value);
  return {
    where: `server ${client.baseUrl}`,
    record: (input) => client.request('POST', 'api/v1/releases', input),
    list: (filter) => client.request('GET', `api/v1/releases${query(filter)}`),
    get: (releaseId) => client.request('GET', `api/v1/releases/${id(releaseId)}`),
    transition: (releaseId, status, reason) => client.request('POST', `api/v1/releases/${id(releaseId)}/transitions`, { status, ...(reason ? { reason } : {}) }),
    markStable: (releaseId) => client.request('POST', `api/v1/releases/${id(releaseId)}/stable`),
    status: () => client.request('GET', 'api/v1/status'),
    close: async () => undefined,
  };
}

/** `--service` or the config's service; a usage error naming both ways when neither is there. */
export function requireService(given: string | undefined, config: RipcordConfig | undefined): string {
  const service = given ?? config?.service;
  if (!service) throw new RipcordError('usage', '--service is required (or run next to a ripcord.yaml that names the service)');
  return service;
}
