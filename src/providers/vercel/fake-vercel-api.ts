import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A FAKE of the Vercel REST API (https://vercel.com/docs/rest-api), for tests and demos only: Vercel
 * cannot run here. It is a real HTTP server on loopback that follows the documented API for the calls
 * ripcord makes, and only those:
 *
 * - `GET  /v9/projects/{idOrName}` → the project, with `targets.production` and `lastAliasRequest`
 * - `GET  /v6/deployments (and /v7, what the SDK calls)?projectId&target&limit&until&since` → `{ deployments, pagination: { count, next, prev } }`, newest first
 * - `POST /v1/projects/{projectId}/rollback/{deploymentId}?description` → 201, empty (accepted)
 * - `POST /v10/projects/{projectId}/promote/{deploymentId}` → 201 (accepted)
 * - `POST /v2/deployments/{id}/aliases` `{ alias }` → `{ uid, alias, created, oldDeploymentId }`
 *
 * Every call takes `teamId` or `slug`; errors have Vercel's shape `{ error: { code, message } }`: 401
 * without a bearer token, 403 for a wrong token or a team the token cannot see, 404 for an unknown
 * project or deployment, 409 while another rollback/promote job is in progress, 429 with Retry-After
 * (injected with `failNext`), 402 on the Hobby plan for a rollback target other than the previous
 * production deployment. A rollback or promote is *accepted* first: `lastAliasRequest.jobStatus` is
 * `in-progress` and `targets.production` moves `completionMs` later, as on the platform.
 * The bodies are checked against @vercel/sdk's response models in `fake-vercel-api.test.ts`.
 */
export interface FakeVercelDeployment {
  uid: string;
  version: string;
  commit: string;
  author: string;
  createdAt: number;
}

export interface FakeVercelOptions {
  token: string;
  teamId?: string | undefined;
  teamSlug?: string | undefined;
  projectId?: string | undefined;
  projectName?: string | undefined;
  plan?: 'hobby' | 'pro' | 'enterprise' | undefined;
  /** From "accepted" to "production serves it" for a rollback or promote (default 50 ms). */
  completionMs?: number | undefined;
}

interface AliasJob {
  type: 'rollback' | 'promote';
  jobStatus: 'in-progress' | 'succeeded' | 'failed';
  fromDeploymentId: string | null;
  toDeploymentId: string;
  requestedAt: number;
}

type Fault = { status: number; code: string; message: string; retryAfter?: number | undefined };

export class FakeVercelApi {
  readonly projectId: string;
  readonly projectName: string;
  readonly deployments: FakeVercelDeployment[] = [];
  /** domain → deployment uid */
  readonly aliases = new Map<string, string>();
  /** Every request the fake answered, in order: method, path (no query), status. */
  readonly requests: { method: string; path: string; status: number; query: Record<string, string> }[] = [];
  production: string | undefined;
  /** True after an instant rollback: Vercel stops auto-assigning new production deployments until a promote. */
  autoAssignPaused = false;
  private job: AliasJob | undefined;
  private server: Server | undefined;
  private readonly faults: { method: string; pattern: RegExp; fault: Fault }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private clock = 1_700_000_000_000;

  constructor(private readonly options: FakeVercelOptions) {
    this.projectId = options.projectId ?? 'prj_fake1234567890';
    this.projectName = options.projectName ?? 'web';
  }

  /** A new READY production deployment that becomes current (as a git push to main does). */
  deploy(version: string, commit = `c0mm1t${version.replace(/\W/g, '')}`, author = 'dev'): FakeVercelDeployment {
    this.clock += 60_000;
    const deployment = { uid: `dpl_${version.replace(/\W/g, '')}${this.deployments.length}`, version, commit, author, createdAt: this.clock };
    this.deployments.unshift(deployment);
    if (!this.autoAssignPaused) this.production = deployment.uid;
    return deployment;
  }

  /** The next request matching method and path gets this answer instead. */
  failNext(method: string, pattern: RegExp, fault: Fault): void {
    this.faults.push({ method, pattern, fault });
  }

  count(method: string, pattern: RegExp, status?: number): number {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path) && (status === undefined || r.status === status)).length;
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.send(req, res, 500, { error: { code: 'internal_server_error', message: String(error) } }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const auth = req.headers.authorization;
    if (!auth?.startsWith('Bearer ')) return this.send(req, res, 401, { error: { code: 'unauthorized', message: 'Missing Authorization header' } });
    if (auth.slice(7) !== this.options.token) return this.send(req, res, 403, { error: { code: 'forbidden', message: 'Not authorized', invalidToken: true } });
    const teamId = url.searchParams.get('teamId');
    const slug = url.searchParams.get('slug');
    if ((teamId && teamId !== this.options.teamId) || (slug && slug !== this.options.teamSlug)) {
      return this.send(req, res, 403, { error: { code: 'forbidden', message: 'You don\'t have permission to access this team' } });
    }
    const faultAt = this.faults.findIndex((f) => f.method === method && f.pattern.test(path));
    if (faultAt >= 0) {
      const fault = (this.faults.splice(faultAt, 1)[0] as { fault: Fault }).fault;
      if (fault.retryAfter !== undefined) res.setHeader('retry-after', String(fault.retryAfter));
      return this.send(req, res, fault.status, { error: { code: fault.code, message: fault.message } });
    }
    const project = (id: string) => id === this.projectId || id === this.projectName;
    const at = (want: string, pattern: RegExp): string[] | undefined => (method === want ? path.match(pattern)?.slice(1).map(decodeURIComponent) : undefined);
    let m = at('GET', /^\/v9\/projects\/([^/]+)$/);
    if (m) {
      if (!project(m[0] ?? '')) return this.notFound(req, res, 'Project not found');
      return this.send(req, res, 200, this.projectBody());
    }
    // The issue and older docs say /v6; @vercel/sdk 1.28 calls /v7 (same query and body): both are served.
    if (method === 'GET' && (path === '/v6/deployments' || path === '/v7/deployments')) {
      const projectId = url.searchParams.get('projectId');
      if (projectId && !project(projectId)) return this.notFound(req, res, 'Project not found');
      const target = url.searchParams.get('target');
      const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 20));
      const until = url.searchParams.get('until');
      const since = url.searchParams.get('since');
      const all = this.deployments.filter((d) => (target ? target === 'production' : true) && (!until || d.createdAt < Number(until)) && (!since || d.createdAt > Number(since)));
      const page = all.slice(0, limit);
      const last = page.at(-1);
      return this.send(req, res, 200, {
        deployments: page.map((d) => this.deploymentBody(d)),
        pagination: { count: page.length, next: all.length > page.length && last ? last.createdAt : null, prev: page[0]?.createdAt ?? null },
      });
    }
    m = at('POST', /^\/v1\/projects\/([^/]+)\/rollback\/([^/]+)$/);
    if (m) {
      return this.aliasJob(req, res, 'rollback', m[0] ?? '', m[1] ?? '');
    }
    m = at('POST', /^\/v10\/projects\/([^/]+)\/promote\/([^/]+)$/);
    if (m) {
      return this.aliasJob(req, res, 'promote', m[0] ?? '', m[1] ?? '');
    }
    m = at('POST', /^\/v2\/deployments\/([^/]+)\/aliases$/);
    if (m) {
      const id = m[0];
      const deployment = this.deployments.find((d) => d.uid === id);
      if (!deployment) return this.notFound(req, res, 'Deployment not found');
      const alias = (JSON.parse(body || '{}') as { alias?: string }).alias;
      if (!alias) return this.send(req, res, 400, { error: { code: 'bad_request', message: 'Invalid request: missing required property `alias`' } });
      const old = this.aliases.get(alias);
      this.aliases.set(alias, deployment.uid);
      return this.send(req, res, 200, { uid: `alias_${alias.replace(/\W/g, '')}`, alias, created: new Date(this.clock).toISOString(), oldDeploymentId: old ?? null });
    }
    return this.notFound(req, res, `The requested path was not found (${method} ${path})`);
  }

  private aliasJob(req: IncomingMessage, res: ServerResponse, type: AliasJob['type'], projectId: string, deploymentId: string): boolean {
    if (projectId !== this.projectId && projectId !== this.projectName) return this.notFound(req, res, 'Project not found');
    const deployment = this.deployments.find((d) => d.uid === deploymentId);
    if (!deployment) return this.notFound(req, res, 'Deployment not found');
    if (this.job?.jobStatus === 'in-progress') {
      return this.send(req, res, 409, { error: { code: 'conflict', message: `A ${this.job.type} is already in progress for this project` } });
    }
    if (type === 'rollback' && this.options.plan === 'hobby') {
      const previous = this.deployments.filter((d) => d.uid !== this.production && d.createdAt < (this.deployments.find((x) => x.uid === this.production)?.createdAt ?? Infinity))[0];
      if (previous?.uid !== deploymentId) {
        return this.send(req, res, 402, { error: { code: 'plan_limit', message: 'Hobby teams can only roll back to the previous production deployment' } });
      }
    }
    const job: AliasJob = { type, jobStatus: 'in-progress', fromDeploymentId: this.production ?? null, toDeploymentId: deploymentId, requestedAt: this.clock };
    this.job = job;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.production = deploymentId;
      job.jobStatus = 'succeeded';
      this.autoAssignPaused = type === 'rollback';
    }, this.options.completionMs ?? 50);
    this.timers.add(timer);
    return this.send(req, res, 201, undefined);
  }

  projectBody(): Record<string, unknown> {
    const current = this.deployments.find((d) => d.uid === this.production);
    return {
      accountId: this.options.teamId ?? 'user_fake',
      alias: [],
      autoAssignCustomDomains: !this.autoAssignPaused,
      defaultResourceConfig: { functionDefaultRegions: ['iad1'] },
      deploymentExpiration: {},
      directoryListing: false,
      id: this.projectId,
      name: this.projectName,
      nodeVersion: '22.x',
      resourceConfig: { functionDefaultRegions: ['iad1'] },
      ...(this.job ? { lastAliasRequest: { ...this.job } } : {}),
      ...(current
        ? {
            targets: {
              production: {
                createdAt: current.createdAt,
                createdIn: 'iad1',
                creator: null,
                deploymentHostname: `${this.projectName}-${current.uid.slice(4)}`,
                id: current.uid,
                name: this.projectName,
                plan: this.options.plan ?? 'pro',
                private: true,
                readyState: 'READY',
                target: 'production',
                type: 'LAMBDAS',
                url: `${this.projectName}-${current.uid.slice(4)}.vercel.app`,
              },
            },
          }
        : {}),
    };
  }

  deploymentBody(d: FakeVercelDeployment): Record<string, unknown> {
    return {
      created: d.createdAt,
      createdAt: d.createdAt,
      creator: { uid: `user_${d.author}`, username: d.author },
      inspectorUrl: null,
      isRollbackCandidate: true,
      meta: { githubCommitSha: d.commit, githubCommitAuthorLogin: d.author, ripcordVersion: d.version },
      name: this.projectName,
      projectId: this.projectId,
      readyState: 'READY',
      target: 'production',
      type: 'LAMBDAS',
      uid: d.uid,
      url: `${this.projectName}-${d.uid.slice(4)}.vercel.app`,
    };
  }

  private notFound(req: IncomingMessage, res: ServerResponse, message: string): boolean {
    return this.send(req, res, 404, { error: { code: 'not_found', message } });
  }

  /** Answers and records the request; true, so a route can `return this.send(…)`. */
  private send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): boolean {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, status, query: Object.fromEntries(url.searchParams) });
    if (body === undefined) res.writeHead(status).end();
    else res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
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
