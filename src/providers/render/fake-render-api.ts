import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A FAKE of the Render REST API (https://api-docs.render.com), for tests and demos only: Render cannot
 * run here. A real HTTP server on loopback under `/v1`, following the documented API for the calls
 * ripcord makes:
 *
 * - `GET   /services/{serviceId}` → Service (with `autoDeploy: "yes" | "no"`)
 * - `PATCH /services/{serviceId}` `{ autoDeploy }` → Service
 * - `GET   /services/{serviceId}/deploys?limit&cursor` → `[{ deploy, cursor }]`, newest first
 * - `GET   /services/{serviceId}/deploys/{deployId}` → Deploy
 * - `POST  /services/{serviceId}/rollback` `{ deployId }` → 201, a NEW Deploy (`trigger: "rollback"`, `status: "created"`)
 *
 * Errors are `{ id, message }`: 401 without or with a wrong key, 404 for an unknown service or deploy,
 * 409 for a rollback while another deploy is in progress, 429 with `Ratelimit-Reset`/`Retry-After`
 * (injected with `failNext`). A rollback deploy goes `created` → `update_in_progress` → `live` (or
 * `update_failed` when `failRollbacks` is set) over `completionMs`; the API rollback leaves
 * `autoDeploy` as it was, as Render documents. Bodies are checked in `fake-render-api.test.ts`.
 */
export interface FakeRenderDeploy {
  id: string;
  version: string;
  commit: string;
  status: string;
  trigger: string;
  createdAt: string;
  finishedAt?: string | undefined;
}

type Fault = { status: number; message: string; retryAfter?: number | undefined };

export class FakeRenderApi {
  readonly serviceId: string;
  readonly deploys: FakeRenderDeploy[] = [];
  readonly requests: { method: string; path: string; status: number }[] = [];
  autoDeploy: 'yes' | 'no' = 'yes';
  /** The next rollback deploys end in `update_failed` instead of `live`. */
  failRollbacks = false;
  private server: Server | undefined;
  private readonly faults: { method: string; pattern: RegExp; fault: Fault }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private clock = Date.parse('2026-11-01T10:00:00Z');
  private seq = 0;

  constructor(private readonly options: { token: string; serviceId?: string; completionMs?: number }) {
    this.serviceId = options.serviceId ?? 'srv-fake0000000000000001';
  }

  /** A git push that Render built and put live. */
  deploy(version: string, commit = `c0mm1t${version.replace(/\W/g, '')}`): FakeRenderDeploy {
    for (const d of this.deploys) if (d.status === 'live') d.status = 'deactivated';
    const deploy = this.newDeploy(version, commit, 'new_commit', 'live');
    deploy.finishedAt = deploy.createdAt;
    return deploy;
  }

  live(): FakeRenderDeploy | undefined {
    return this.deploys.find((d) => d.status === 'live');
  }

  failNext(method: string, pattern: RegExp, fault: Fault): void {
    this.faults.push({ method, pattern, fault });
  }

  count(method: string, pattern: RegExp, status?: number): number {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path) && (status === undefined || r.status === status)).length;
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private newDeploy(version: string, commit: string, trigger: string, status: string): FakeRenderDeploy {
    this.clock += 60_000;
    const deploy = { id: `dep-${String(++this.seq).padStart(4, '0')}${version.replace(/\W/g, '')}`, version, commit, status, trigger, createdAt: new Date(this.clock).toISOString() };
    this.deploys.unshift(deploy);
    return deploy;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/^\/v1/, '');
    const body = await readBody(req);
    if (req.headers.authorization !== `Bearer ${this.options.token}`) return this.send(req, res, 401, { id: 'unauthorized', message: 'unauthorized' });
    const faultAt = this.faults.findIndex((f) => f.method === method && f.pattern.test(path));
    if (faultAt >= 0) {
      const fault = (this.faults.splice(faultAt, 1)[0] as { fault: Fault }).fault;
      if (fault.retryAfter !== undefined) {
        res.setHeader('retry-after', String(fault.retryAfter));
        res.setHeader('ratelimit-reset', String(fault.retryAfter));
      }
      return this.send(req, res, fault.status, { id: String(fault.status), message: fault.message });
    }
    const at = (want: string, pattern: RegExp): string[] | undefined => (method === want ? path.match(pattern)?.slice(1).map(decodeURIComponent) : undefined);
    const notFound = (what: string) => this.send(req, res, 404, { id: 'not_found', message: `${what} not found` });
    const known = (id: string | undefined) => id === this.serviceId;
    let m = at('GET', /^\/services\/([^/]+)$/) ?? at('PATCH', /^\/services\/([^/]+)$/);
    if (m) {
      if (!known(m[0])) return notFound('service');
      if (method === 'PATCH') {
        const patch = JSON.parse(body || '{}') as { autoDeploy?: string };
        if (patch.autoDeploy !== 'yes' && patch.autoDeploy !== 'no') return this.send(req, res, 400, { id: 'invalid', message: 'autoDeploy must be "yes" or "no"' });
        this.autoDeploy = patch.autoDeploy;
      }
      return this.send(req, res, 200, this.serviceBody());
    }
    m = at('GET', /^\/services\/([^/]+)\/deploys$/);
    if (m) {
      if (!known(m[0])) return notFound('service');
      const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 20));
      const cursor = url.searchParams.get('cursor');
      const from = cursor ? this.deploys.findIndex((d) => d.id === cursor) + 1 : 0;
      return this.send(req, res, 200, this.deploys.slice(from, from + limit).map((d) => ({ deploy: this.deployBody(d), cursor: d.id })));
    }
    m = at('GET', /^\/services\/([^/]+)\/deploys\/([^/]+)$/);
    if (m) {
      if (!known(m[0])) return notFound('service');
      const deploy = this.deploys.find((d) => d.id === m?.[1]);
      return deploy ? this.send(req, res, 200, this.deployBody(deploy)) : notFound('deploy');
    }
    m = at('POST', /^\/services\/([^/]+)\/rollback$/);
    if (m) {
      if (!known(m[0])) return notFound('service');
      const { deployId } = JSON.parse(body || '{}') as { deployId?: string };
      const from = this.deploys.find((d) => d.id === deployId);
      if (!from) return notFound('deploy');
      if (this.deploys.some((d) => !['live', 'deactivated', 'build_failed', 'update_failed', 'canceled', 'pre_deploy_failed'].includes(d.status))) {
        return this.send(req, res, 409, { id: 'conflict', message: 'a deploy is already in progress for this service' });
      }
      const deploy = this.newDeploy(from.version, from.commit, 'rollback', 'created');
      this.later(deploy);
      return this.send(req, res, 201, this.deployBody(deploy));
    }
    return notFound('route');
  }

  private later(deploy: FakeRenderDeploy): void {
    const total = this.options.completionMs ?? 50;
    const step = (ms: number, run: () => void) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        run();
      }, ms);
      this.timers.add(timer);
    };
    step(total / 2, () => {
      deploy.status = 'update_in_progress';
    });
    step(total, () => {
      this.clock += 1000;
      deploy.finishedAt = new Date(this.clock).toISOString();
      if (this.failRollbacks) {
        deploy.status = 'update_failed';
        return;
      }
      for (const d of this.deploys) if (d !== deploy && d.status === 'live') d.status = 'deactivated';
      deploy.status = 'live';
    });
  }

  serviceBody(): Record<string, unknown> {
    return { id: this.serviceId, name: 'api', type: 'web_service', autoDeploy: this.autoDeploy, branch: 'main', repo: 'https://github.com/acme/api', suspended: 'not_suspended', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: new Date(this.clock).toISOString() };
  }

  deployBody(d: FakeRenderDeploy): Record<string, unknown> {
    return {
      id: d.id,
      commit: { id: d.commit, message: `release ${d.version}`, createdAt: d.createdAt },
      status: d.status,
      trigger: d.trigger,
      createdAt: d.createdAt,
      updatedAt: d.finishedAt ?? d.createdAt,
      ...(d.finishedAt ? { finishedAt: d.finishedAt } : {}),
    };
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): boolean {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname.replace(/^\/v1/, ''), status });
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    return true;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
