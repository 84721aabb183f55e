import type { VercelCore } from '@vercel/sdk/core.js';
import type { Result } from '@vercel/sdk/types/fp.js';
import { registerSecret } from '../../core/secrets.js';
import { waitFor } from '../provider-support.js';
import { VERCEL_API_URL } from './vercel-config.js';

/** One production deployment, as ripcord needs it: the id to roll back to, who shipped what. */
export interface VercelDeployment {
  id: string;
  url: string;
  createdAt: number;
  readyState: string;
  commit?: string | undefined;
  author?: string | undefined;
}

/** The project's production state: which deployment serves production, and the last rollback/promote job. */
export interface VercelProduction {
  projectId: string;
  currentDeploymentId?: string | undefined;
  lastAliasRequest?: { type: string; jobStatus: string; fromDeploymentId: string | null; toDeploymentId: string } | undefined;
}

/** A refusal from the Vercel API, as data: the status, Vercel's error code and message, and how long to wait on a 429. */
export class VercelApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number | undefined,
  ) {
    super(message);
    this.name = 'VercelApiError';
  }
}

export interface VercelApiOptions {
  token: string;
  /** `team_…` ids go in `teamId`, anything else is a team slug (`slug`), as the API takes either. */
  team?: string | undefined;
  /** The SDK's `serverURL`: https://api.vercel.com, or the local fake. Nothing else differs. */
  serverURL?: string | undefined;
  /** At most this many waits on 429 Retry-After per call (default 3). */
  rateLimitRetries?: number | undefined;
}

/**
 * The SDK's standalone functions for the five calls, loaded on first use: the whole `Vercel` class
 * pulls in every model of the API (seconds of start-up for `ripcord validate`, which needs none).
 */
async function loadSdk() {
  const [core, getProject, getDeployments, requestRollback, requestPromote, assignAlias, errors] = await Promise.all([
    import('@vercel/sdk/core.js'),
    import('@vercel/sdk/funcs/projectsGetProject.js'),
    import('@vercel/sdk/funcs/deploymentsGetDeployments.js'),
    import('@vercel/sdk/funcs/projectsRequestRollback.js'),
    import('@vercel/sdk/funcs/projectsRequestPromote.js'),
    import('@vercel/sdk/funcs/aliasesAssignAlias.js'),
    import('@vercel/sdk/models/vercelerror.js'),
  ]);
  return {
    VercelCore: core.VercelCore,
    getProject: getProject.projectsGetProject,
    getDeployments: getDeployments.deploymentsGetDeployments,
    requestRollback: requestRollback.projectsRequestRollback,
    requestPromote: requestPromote.projectsRequestPromote,
    assignAlias: assignAlias.aliasesAssignAlias,
    VercelError: errors.VercelError,
  };
}
type Sdk = Awaited<ReturnType<typeof loadSdk>>;
let sdkLoading: Promise<Sdk> | undefined;

/**
 * The Vercel calls ripcord makes, through the official SDK (@vercel/sdk): read the project's
 * production deployment, list production deployments, instant rollback, promote, alias a domain.
 */
export class VercelApi {
  private client: { sdk: Sdk; core: VercelCore } | undefined;
  private readonly scope: { teamId?: string; slug?: string };

  constructor(private readonly options: VercelApiOptions) {
    registerSecret(options.token);
    this.scope = !options.team ? {} : options.team.startsWith('team_') ? { teamId: options.team } : { slug: options.team };
  }

  private async sdk(): Promise<{ sdk: Sdk; core: VercelCore }> {
    if (!this.client) {
      sdkLoading ??= loadSdk();
      const sdk = await sdkLoading;
      this.client = { sdk, core: new sdk.VercelCore({ bearerToken: this.options.token, serverURL: this.options.serverURL ?? VERCEL_API_URL }) };
    }
    return this.client;
  }

  /** `GET /v9/projects/{idOrName}`: `targets.production` is the deployment production serves now. */
  async production(project: string, signal?: AbortSignal): Promise<VercelProduction> {
    const body = await this.call(signal, ({ sdk, core }, o) => sdk.getProject(core, { idOrName: project, ...this.scope }, o));
    const last = body.lastAliasRequest ?? undefined;
    return {
      projectId: body.id,
      currentDeploymentId: body.targets?.production?.id ?? undefined,
      lastAliasRequest: last ? { type: String(last.type), jobStatus: String(last.jobStatus), fromDeploymentId: last.fromDeploymentId, toDeploymentId: last.toDeploymentId } : undefined,
    };
  }

  /** `GET /v7/deployments?projectId&target=production&limit&until` (the SDK's path; docs older than it say /v6): newest first, every page until `max`. */
  async productionDeployments(projectId: string, max = 100, signal?: AbortSignal): Promise<VercelDeployment[]> {
    const out: VercelDeployment[] = [];
    let until: number | undefined;
    while (out.length < max) {
      const page = await this.call(signal, ({ sdk, core }, o) =>
        sdk.getDeployments(core, { projectId, target: 'production', limit: Math.min(100, max - out.length), ...(until ? { until } : {}), ...this.scope }, o),
      );
      for (const d of page.deployments) {
        out.push({ id: d.uid, url: d.url, createdAt: d.createdAt, readyState: String(d.readyState), commit: d.meta?.githubCommitSha, author: d.meta?.githubCommitAuthorLogin ?? d.creator?.username });
      }
      const next = page.pagination.next;
      if (!next || page.deployments.length === 0) break;
      until = next;
    }
    return out;
  }

  /** `POST /v1/projects/{projectId}/rollback/{deploymentId}`: 201 means accepted, not done. */
  async requestRollback(projectId: string, deploymentId: string, description: string, signal?: AbortSignal): Promise<void> {
    await this.call(signal, ({ sdk, core }, o) => sdk.requestRollback(core, { projectId, deploymentId, description, ...this.scope }, o));
  }

  /** `POST /v10/projects/{projectId}/promote/{deploymentId}`: 201/202, accepted; also undoes a rollback's pause. */
  async requestPromote(projectId: string, deploymentId: string, signal?: AbortSignal): Promise<void> {
    await this.call(signal, ({ sdk, core }, o) => sdk.requestPromote(core, { projectId, deploymentId, ...this.scope }, o));
  }

  /** `POST /v2/deployments/{id}/aliases`: what `vercel alias set <deployment> <domain>` does. Returns the deployment the alias left. */
  async assignAlias(deploymentId: string, alias: string, signal?: AbortSignal): Promise<{ oldDeploymentId?: string | undefined }> {
    const body = await this.call(signal, ({ sdk, core }, o) => sdk.assignAlias(core, { id: deploymentId, requestBody: { alias }, ...this.scope }, o));
    return { oldDeploymentId: body.oldDeploymentId ?? undefined };
  }

  /** One SDK call, with Vercel's refusals turned into VercelApiError and a 429 waited out as Retry-After says. */
  private async call<T>(signal: AbortSignal | undefined, run: (client: { sdk: Sdk; core: VercelCore }, options: { fetchOptions?: { signal: AbortSignal } }) => Promise<Result<T, unknown>>): Promise<T> {
    const retries = this.options.rateLimitRetries ?? 3;
    const client = await this.sdk();
    for (let attempt = 0; ; attempt++) {
      const result = await run(client, signal ? { fetchOptions: { signal } } : {});
      if (result.ok) return result.value;
      const refusal = toApiError(result.error, client.sdk);
      if (!refusal) throw result.error;
      if (refusal.status === 429 && attempt < retries && refusal.retryAfterMs !== undefined && refusal.retryAfterMs <= 60_000) {
        await waitFor(refusal.retryAfterMs, signal);
        continue;
      }
      throw refusal;
    }
  }
}

function toApiError(error: unknown, sdk: Sdk): VercelApiError | undefined {
  if (!(error instanceof sdk.VercelError)) return undefined;
  let code = 'unknown';
  let message = `HTTP ${error.statusCode}`;
  try {
    const body = JSON.parse(error.body) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // A body that is not Vercel's JSON error: keep the status.
  }
  const retryAfter = error.headers.get('retry-after');
  const retryAfterMs = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  return new VercelApiError(error.statusCode, code, message, retryAfterMs);
}
