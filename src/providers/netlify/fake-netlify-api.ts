import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A FAKE of the Netlify API (https://open-api.netlify.com), for tests and demos only: Netlify cannot
 * run here. A real HTTP server on loopback under `/api/v1`, following Netlify's OpenAPI document
 * (@netlify/open-api) for the calls ripcord makes:
 *
 * - `GET  /sites/{site_id}` (getSite) → the site with `published_deploy`
 * - `GET  /sites/{site_id}/deploys?page&per_page&production` (listSiteDeploys) → deploys, newest first
 * - `POST /sites/{site_id}/deploys/{deploy_id}/restore` (restoreSiteDeploy) → 201, the deploy
 * - `PUT  /sites/{site_id}/rollback` (rollbackSiteDeploy) → 204
 * - `POST /deploys/{deploy_id}/lock` / `unlock` (lockDeploy / unlockDeploy) → 200, the deploy
 *
 * Errors have the document's `default` shape `{ code, message }`: 401 without or with a wrong token,
 * 404 for a site or deploy the token cannot see, 409 for a restore while another publish is still in
 * progress (our reading of "conflict"; Netlify documents no status for it), 429 with `X-RateLimit-Reset`
 * and `Retry-After` (injected with `failNext`). Publishing is asynchronous: `published_deploy` moves
 * `completionMs` after the restore was accepted. While the published deploy is locked, a new deploy
 * (`deploy()`, a git push) is built but not published. Responses are checked against the OpenAPI
 * document in `fake-netlify-api.test.ts`.
 */
export interface FakeNetlifyDeploy {
  id: string;
  version: string;
  commit: string;
  createdAt: string;
  publishedAt?: string | undefined;
  locked: boolean;
}

type Fault = { status: number; message: string; retryAfter?: number | undefined };

export class FakeNetlifyApi {
  readonly siteId: string;
  readonly siteName: string;
  readonly deploys: FakeNetlifyDeploy[] = [];
  readonly requests: { method: string; path: string; status: number }[] = [];
  published: string | undefined;
  private pending: string | undefined;
  private server: Server | undefined;
  private readonly faults: { method: string; pattern: RegExp; fault: Fault }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private clock = Date.parse('2026-11-01T10:00:00Z');

  constructor(private readonly options: { token: string; siteId?: string; siteName?: string; completionMs?: number }) {
    this.siteId = options.siteId ?? '3f2b1c9e-0000-4000-8000-000000000001';
    this.siteName = options.siteName ?? 'shop';
  }

  /** A git push: the deploy is built, and published unless the published deploy is locked. */
  deploy(version: string, commit = `c0mm1t${version.replace(/\W/g, '')}`): FakeNetlifyDeploy {
    this.clock += 60_000;
    const deploy: FakeNetlifyDeploy = { id: `64a${String(this.deploys.length).padStart(5, '0')}${version.replace(/\W/g, '')}`, version, commit, createdAt: new Date(this.clock).toISOString(), locked: false };
    this.deploys.unshift(deploy);
    if (!this.current()?.locked) this.publish(deploy.id);
    return deploy;
  }

  current(): FakeNetlifyDeploy | undefined {
    return this.deploys.find((d) => d.id === this.published);
  }

  failNext(method: string, pattern: RegExp, fault: Fault): void {
    this.faults.push({ method, pattern, fault });
  }

  count(method: string, pattern: RegExp, status?: number): number {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path) && (status === undefined || r.status === status)).length;
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1`;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private publish(id: string): void {
    this.published = id;
    const deploy = this.deploys.find((d) => d.id === id);
    this.clock += 1000;
    if (deploy) deploy.publishedAt = new Date(this.clock).toISOString();
  }

  private handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/^\/api\/v1/, '');
    if (req.headers.authorization !== `Bearer ${this.options.token}`) return this.send(req, res, 401, { code: 401, message: 'Access Denied: Invalid token' });
    const faultAt = this.faults.findIndex((f) => f.method === method && f.pattern.test(path));
    if (faultAt >= 0) {
      const fault = (this.faults.splice(faultAt, 1)[0] as { fault: Fault }).fault;
      if (fault.retryAfter !== undefined) {
        res.setHeader('retry-after', String(fault.retryAfter));
        res.setHeader('x-ratelimit-reset', String(Math.ceil(Date.now() / 1000) + fault.retryAfter));
      }
      return this.send(req, res, fault.status, { code: fault.status, message: fault.message });
    }
    const at = (want: string, pattern: RegExp): string[] | undefined => (method === want ? path.match(pattern)?.slice(1).map(decodeURIComponent) : undefined);
    const site = (id: string | undefined) => id === this.siteId || id === `${this.siteName}.netlify.app`;
    const notFound = () => this.send(req, res, 404, { code: 404, message: 'Not Found' });
    let m = at('GET', /^\/sites\/([^/]+)$/);
    if (m) return site(m[0]) ? this.send(req, res, 200, this.siteBody()) : notFound();
    m = at('GET', /^\/sites\/([^/]+)\/deploys$/);
    if (m) {
      if (!site(m[0])) return notFound();
      const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 100));
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const list = this.deploys.slice((page - 1) * perPage, page * perPage);
      return this.send(req, res, 200, list.map((d) => this.deployBody(d)));
    }
    m = at('POST', /^\/sites\/([^/]+)\/deploys\/([^/]+)\/restore$/);
    if (m) {
      if (!site(m[0])) return notFound();
      const deploy = this.deploys.find((d) => d.id === m?.[1]);
      if (!deploy) return notFound();
      if (this.pending) return this.send(req, res, 409, { code: 409, message: 'Another deploy is being published; try again when it is done' });
      this.later(deploy.id);
      return this.send(req, res, 201, this.deployBody(deploy));
    }
    m = at('PUT', /^\/sites\/([^/]+)\/rollback$/);
    if (m) {
      if (!site(m[0])) return notFound();
      const currentAt = this.current()?.publishedAt ?? '';
      const previous = this.deploys.filter((d) => d.id !== this.published && d.publishedAt && d.publishedAt < currentAt).sort((a, b) => (b.publishedAt ?? '').localeCompare(a.publishedAt ?? ''))[0];
      if (!previous) return this.send(req, res, 422, { code: 422, message: 'No previous deploy to roll back to' });
      if (this.pending) return this.send(req, res, 409, { code: 409, message: 'Another deploy is being published; try again when it is done' });
      this.later(previous.id);
      return this.send(req, res, 204, undefined);
    }
    m = at('POST', /^\/deploys\/([^/]+)\/(lock|unlock)$/);
    if (m) {
      const deploy = this.deploys.find((d) => d.id === m?.[0]);
      if (!deploy) return notFound();
      deploy.locked = m[1] === 'lock';
      return this.send(req, res, 200, this.deployBody(deploy));
    }
    return notFound();
  }

  private later(id: string): void {
    this.pending = id;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.pending = undefined;
      this.publish(id);
    }, this.options.completionMs ?? 50);
    this.timers.add(timer);
  }

  siteBody(): Record<string, unknown> {
    const current = this.current();
    return {
      id: this.siteId,
      name: this.siteName,
      state: 'current',
      url: `https://${this.siteName}.netlify.app`,
      ssl_url: `https://${this.siteName}.netlify.app`,
      admin_url: `https://app.netlify.com/sites/${this.siteName}`,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: new Date(this.clock).toISOString(),
      ...(current ? { published_deploy: this.deployBody(current) } : {}),
    };
  }

  deployBody(d: FakeNetlifyDeploy): Record<string, unknown> {
    return {
      id: d.id,
      site_id: this.siteId,
      state: 'ready',
      name: this.siteName,
      url: `https://${this.siteName}.netlify.app`,
      deploy_url: `https://${d.id}--${this.siteName}.netlify.app`,
      branch: 'main',
      commit_ref: d.commit,
      title: `release ${d.version}`,
      context: 'production',
      created_at: d.createdAt,
      updated_at: d.publishedAt ?? d.createdAt,
      ...(d.publishedAt ? { published_at: d.publishedAt } : {}),
      locked: d.locked,
    };
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): boolean {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname.replace(/^\/api\/v1/, ''), status });
    if (body === undefined) res.writeHead(status).end();
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    return true;
  }
}
