import type { EnvironmentSummary, RecordReleaseInput, ReleasePage } from '../deployments/ledger.js';
import type { ReleaseDetails, ReleaseStatus } from '../deployments/release.js';
import type { ApiClient } from './api-client.js';
import { optionalConfig } from './config-file.js';
import { type DataSourceOptions, resolveDataSource } from './data-source.js';

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

export async function openLedgerAccess(options: DataSourceOptions): Promise<LedgerAccess> {
  const source = resolveDataSource(options);
  if (source.kind === 'server') return remoteAccess(source.client);
  const config = await optionalConfig(options.config);
  const { LocalCompositionRoot } = await import('../local-composition-root.js');
  const root = await LocalCompositionRoot.open(source);
  // Releases recorded on the local store snapshot the flags too, as the server does.
  await root.snapshotFlagsWithReleases();
  const { ledger, actor } = root;
  return {
    where: root.where,
    record: (input) => ledger.record(input, actor),
    list: (filter) => ledger.list(filter),
    get: (id) => ledger.get(id),
    transition: (id, status, reason) => ledger.transition(id, status, actor, reason),
    markStable: (id) => ledger.markStable(id, actor),
    status: async () => ({
      service: config?.service,
      environments: await ledger.summary(Object.keys(config?.environments ?? {}).map((environment) => ({ service: config?.service as string, environment }))),
    }),
    close: () => root.close(),
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
