import { registerSecret } from '../../core/secrets.js';
import { NETLIFY_API_URL } from './netlify-config.js';

/** One deploy, as ripcord needs it. */
export interface NetlifyDeploy {
  id: string;
  state: string;
  createdAt?: string | undefined;
  publishedAt?: string | undefined;
  commit?: string | undefined;
  branch?: string | undefined;
  title?: string | undefined;
  locked?: boolean | undefined;
  context?: string | undefined;
}

/** A refusal from the Netlify API: status and Netlify's `{ code, message }`. */
export class NetlifyApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'NetlifyApiError';
  }
}

type Client = Record<string, (params: Record<string, unknown>, opts?: { signal?: AbortSignal }) => Promise<unknown>>;
let loading: Promise<new (token: string, options: { scheme: string; host: string; pathPrefix: string; userAgent: string }) => unknown> | undefined;

/**
 * The Netlify calls ripcord makes, through the official client (@netlify/api, one method per
 * operationId of Netlify's OpenAPI document): get the site, list deploys, restore, rollback, lock, unlock.
 * The client waits out 429s itself (it reads `X-RateLimit-Reset`).
 */
export class NetlifyApi {
  private client: Client | undefined;

  constructor(private readonly options: { token: string; baseUrl?: string | undefined }) {
    registerSecret(options.token);
  }

  private async api(): Promise<Client> {
    if (!this.client) {
      loading ??= import('@netlify/api').then((m) => m.NetlifyAPI as never);
      const NetlifyAPI = await loading;
      const url = new URL(this.options.baseUrl ?? NETLIFY_API_URL);
      this.client = new NetlifyAPI(this.options.token, { scheme: url.protocol.replace(':', ''), host: url.host, pathPrefix: url.pathname.replace(/\/$/, ''), userAgent: 'ripcord' }) as Client;
    }
    return this.client;
  }

  /** `GET /sites/{site_id}` (getSite): `published_deploy` is what the site serves. */
  async site(siteId: string, signal?: AbortSignal): Promise<{ id: string; name?: string | undefined; publishedDeploy?: NetlifyDeploy | undefined }> {
    const site = (await this.call('getSite', { site_id: siteId }, signal)) as { id: string; name?: string; published_deploy?: Record<string, unknown> };
    return { id: site.id, name: site.name, publishedDeploy: site.published_deploy ? toDeploy(site.published_deploy) : undefined };
  }

  /** `GET /sites/{site_id}/deploys?production=true&page&per_page` (listSiteDeploys), newest first. */
  async productionDeploys(siteId: string, max = 100, signal?: AbortSignal): Promise<NetlifyDeploy[]> {
    const out: NetlifyDeploy[] = [];
    for (let page = 1; out.length < max; page++) {
      const list = (await this.call('listSiteDeploys', { site_id: siteId, production: true, page, per_page: Math.min(100, max) }, signal)) as Record<string, unknown>[];
      out.push(...list.map(toDeploy));
      if (list.length < Math.min(100, max)) break;
    }
    return out.slice(0, max);
  }

  /** `POST /sites/{site_id}/deploys/{deploy_id}/restore` (restoreSiteDeploy): publishes that deploy again. */
  async restore(siteId: string, deployId: string, signal?: AbortSignal): Promise<NetlifyDeploy> {
    return toDeploy((await this.call('restoreSiteDeploy', { site_id: siteId, deploy_id: deployId }, signal)) as Record<string, unknown>);
  }

  /** `PUT /sites/{site_id}/rollback` (rollbackSiteDeploy): back to the previously published deploy; 204. */
  async rollback(siteId: string, signal?: AbortSignal): Promise<void> {
    await this.call('rollbackSiteDeploy', { site_id: siteId }, signal);
  }

  /** `POST /deploys/{deploy_id}/lock` (lockDeploy): stop auto-publishing; the site stays on this deploy. */
  async lock(deployId: string, signal?: AbortSignal): Promise<NetlifyDeploy> {
    return toDeploy((await this.call('lockDeploy', { deploy_id: deployId }, signal)) as Record<string, unknown>);
  }

  /** `POST /deploys/{deploy_id}/unlock` (unlockDeploy): auto-publishing resumes. */
  async unlock(deployId: string, signal?: AbortSignal): Promise<NetlifyDeploy> {
    return toDeploy((await this.call('unlockDeploy', { deploy_id: deployId }, signal)) as Record<string, unknown>);
  }

  private async call(operation: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    const client = await this.api();
    const method = client[operation];
    if (!method) throw new Error(`@netlify/api has no ${operation}`);
    try {
      return await method.call(client, params, signal ? { signal } : undefined);
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (typeof status !== 'number') throw error;
      const json = (error as { json?: { message?: string } }).json;
      throw new NetlifyApiError(status, json?.message ?? (error as Error).message);
    }
  }
}

function toDeploy(raw: Record<string, unknown>): NetlifyDeploy {
  const text = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined);
  return {
    id: String(raw.id),
    state: text('state') ?? 'unknown',
    createdAt: text('created_at'),
    publishedAt: text('published_at'),
    commit: text('commit_ref'),
    branch: text('branch'),
    title: text('title'),
    context: text('context'),
    locked: typeof raw.locked === 'boolean' ? raw.locked : undefined,
  };
}
