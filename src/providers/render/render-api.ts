import { registerSecret } from '../../core/secrets.js';
import { waitFor } from '../provider-support.js';
import { RENDER_API_URL } from './render-config.js';

/** A deploy as Render's API returns it (the fields ripcord reads). */
export interface RenderDeploy {
  id: string;
  status: string;
  trigger?: string | undefined;
  commit?: { id?: string; message?: string } | undefined;
  createdAt?: string | undefined;
  finishedAt?: string | undefined;
}

export interface RenderService {
  id: string;
  name?: string | undefined;
  autoDeploy?: string | undefined;
}

export class RenderApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number | undefined,
  ) {
    super(message);
    this.name = 'RenderApiError';
  }
}

/** Statuses after which a deploy changes no more (Render's Deploy.status). */
export const RENDER_FINAL_STATUSES = new Set(['live', 'deactivated', 'build_failed', 'update_failed', 'canceled', 'pre_deploy_failed']);

/**
 * The Render calls ripcord makes. Render publishes no official Node SDK for its REST API, so this is
 * plain fetch against `https://api.render.com/v1` (or the configured base): get and update the
 * service, list deploys (cursor paging), get a deploy, roll back to a deploy.
 */
export class RenderApi {
  private readonly base: string;

  constructor(private readonly options: { token: string; baseUrl?: string | undefined; rateLimitRetries?: number | undefined }) {
    registerSecret(options.token);
    this.base = (options.baseUrl ?? RENDER_API_URL).replace(/\/$/, '');
  }

  service(serviceId: string, signal?: AbortSignal): Promise<RenderService> {
    return this.call('GET', `/services/${encodeURIComponent(serviceId)}`, undefined, signal) as Promise<RenderService>;
  }

  /** `PATCH /services/{serviceId}` with `{ autoDeploy }`. */
  setAutoDeploy(serviceId: string, on: boolean, signal?: AbortSignal): Promise<RenderService> {
    return this.call('PATCH', `/services/${encodeURIComponent(serviceId)}`, { autoDeploy: on ? 'yes' : 'no' }, signal) as Promise<RenderService>;
  }

  /** `GET /services/{serviceId}/deploys?limit&cursor`, newest first, following cursors up to `max`. */
  async deploys(serviceId: string, max = 100, signal?: AbortSignal): Promise<RenderDeploy[]> {
    const out: RenderDeploy[] = [];
    let cursor: string | undefined;
    while (out.length < max) {
      const query = new URLSearchParams({ limit: String(Math.min(100, max - out.length)), ...(cursor ? { cursor } : {}) });
      const page = (await this.call('GET', `/services/${encodeURIComponent(serviceId)}/deploys?${query}`, undefined, signal)) as { deploy: RenderDeploy; cursor: string }[];
      out.push(...page.map((item) => item.deploy));
      if (page.length < Math.min(100, max)) break;
      cursor = page.at(-1)?.cursor;
    }
    return out;
  }

  deploy(serviceId: string, deployId: string, signal?: AbortSignal): Promise<RenderDeploy> {
    return this.call('GET', `/services/${encodeURIComponent(serviceId)}/deploys/${encodeURIComponent(deployId)}`, undefined, signal) as Promise<RenderDeploy>;
  }

  /** `POST /services/{serviceId}/rollback` `{ deployId }`: a NEW deploy of that deploy's build, accepted (201). */
  rollback(serviceId: string, deployId: string, signal?: AbortSignal): Promise<RenderDeploy> {
    return this.call('POST', `/services/${encodeURIComponent(serviceId)}/rollback`, { deployId }, signal) as Promise<RenderDeploy>;
  }

  private async call(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const retries = this.options.rateLimitRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.options.token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal,
      });
      const text = await response.text();
      if (response.ok) return text ? (JSON.parse(text) as unknown) : undefined;
      let message = `HTTP ${response.status}`;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // not Render's JSON error body
      }
      const reset = response.headers.get('retry-after') ?? response.headers.get('ratelimit-reset');
      const retryAfterMs = reset && /^\d+$/.test(reset) ? Number(reset) * 1000 : undefined;
      if (response.status === 429 && attempt < retries && retryAfterMs !== undefined && retryAfterMs <= 60_000) {
        await waitFor(retryAfterMs, signal);
        continue;
      }
      throw new RenderApiError(response.status, message, retryAfterMs);
    }
  }
}
