import { join } from 'node:path';
import type { RipcordConfig } from '../config/ripcord-config.js';
import { RipcordError } from '../core/errors.js';
import type { RecordReleaseInput, ReleasePage } from '../deployments/ledger.js';
import type { ReleaseDetails } from '../deployments/release.js';
import type { PlatformDeployment, Provider } from './provider.js';
import { createProvider } from './provider-registry.js';

/** The part of the ledger `deploy sync` uses (the local ledger or the server's API). */
export interface SyncLedger {
  list(filter: { service: string; environment: string; limit: number; cursor?: string | undefined }): Promise<ReleasePage>;
  record(input: RecordReleaseInput): Promise<ReleaseDetails>;
}

export interface SyncResult {
  /** Deployments the ledger lacked, now recorded (oldest first). */
  recorded: { deploymentId: string; version: string; releaseId: string; commit?: string | undefined; author?: string | undefined }[];
  /** Deployments the ledger already had (by provider deployment id). */
  known: number;
  /** What the platform serves now. */
  current?: string | undefined;
  /** The platform serves an older deployment than the newest one (after a rollback): the ledger's live release may differ. */
  currentIsNotNewest: boolean;
}

/**
 * `ripcord deploy sync --env E`: reads the platform's deployment list and records, oldest first, each
 * deployment whose provider id the ledger does not have, with its commit and author, so "previous
 * release" and "who shipped it" come from the platform itself.
 */
export async function syncDeployments(options: { provider: Provider; ledger: SyncLedger; service: string; environment: string; signal?: AbortSignal }): Promise<SyncResult> {
  const { provider, ledger, service, environment } = options;
  if (!provider.capabilities?.deployments || !provider.deployments) {
    throw new RipcordError('invalid_input', `the ${provider.kind} provider of ${environment} cannot list deployments; deploy sync works with providers that can (vercel, netlify, render)`);
  }
  const listed = await provider.deployments(options.signal ?? AbortSignal.timeout(60_000));
  const known = new Set<string>();
  for (let cursor: string | undefined, pages = 0; pages < 50; pages++) {
    const page = await ledger.list({ service, environment, limit: 100, cursor });
    for (const release of page.releases) if (release.providerDeploymentId) known.add(release.providerDeploymentId);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  const missing = listed.filter((d) => !known.has(d.id)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const recorded: SyncResult['recorded'] = [];
  for (const deployment of missing) {
    const version = versionOf(deployment);
    const release = await ledger.record({
      service,
      environment,
      version,
      commit: deployment.commit,
      providerDeploymentId: deployment.id,
      deployedBy: deployment.author,
      deployedAt: deployment.createdAt || undefined,
      notes: `recorded by deploy sync from ${provider.kind}`,
    });
    recorded.push({ deploymentId: deployment.id, version, releaseId: release.id, commit: deployment.commit, author: deployment.author });
  }
  const current = listed.find((d) => d.current);
  const newest = [...listed].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  return { recorded, known: listed.length - missing.length, current: current?.id, currentIsNotNewest: Boolean(current && newest && current.id !== newest.id) };
}

function versionOf(deployment: PlatformDeployment): string {
  return deployment.version ?? (deployment.commit ? deployment.commit.slice(0, 12) : deployment.id);
}

/** `ripcord deploy sync` from the CLI: the environment's provider from ripcord.yaml, then the sync, then the words. */
export async function runDeploySync(
  config: RipcordConfig | undefined,
  environment: string,
  ledger: { list: SyncLedger['list']; record(input: RecordReleaseInput): Promise<ReleaseDetails> },
  dataDir: string | undefined,
): Promise<SyncResult & { lines: string[] }> {
  if (!config) throw new RipcordError('usage', 'deploy sync needs ripcord.yaml (or --config): the environment\'s provider says where to read deployments');
  const env = config.environments[environment];
  if (!env?.provider) throw new RipcordError('usage', `environments.${environment}.provider is not in ripcord.yaml (environments: ${Object.keys(config.environments).join(', ')})`);
  const provider = createProvider(env.provider, { stateDir: join(dataDir ?? '.ripcord', 'providers', environment), service: config.service, environment });
  try {
    const result = await syncDeployments({ provider, ledger, service: config.service, environment });
    const lines = [
      ...result.recorded.map((r) => `recorded ${r.version} (${r.deploymentId}${r.author ? `, by ${r.author}` : ''}) as ${r.releaseId}`),
      `${result.recorded.length} recorded, ${result.known} already in the ledger; ${env.provider.kind} serves ${result.current ?? 'nothing'} now`,
      ...(result.currentIsNotNewest ? [`note: ${env.provider.kind} serves an older deployment than its newest (a rollback?); the ledger's live release is the newest recorded: check with ripcord deployments --env ${environment}`] : []),
    ];
    return { ...result, lines };
  } finally {
    await provider.close?.();
  }
}
