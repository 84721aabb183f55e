import { Agent, createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readAdminInfo, type RouterAdminInfo } from './router-admin.js';
import { RipcordError } from '../../core/errors.js';
import type { OutcomeSink, RequestOutcome } from '../../signals/request-outcome.js';
import { FileJournal, type IdempotencyJournal, MemoryJournal, OncePerKey } from '../idempotency-journal.js';
import type { Provider, ProviderCapabilities, StepRequest, StepResult } from '../provider.js';
import { defineProvider } from '../provider-definition.js';
import { assertKnownAction, throwIfAborted, withRedactedErrors } from '../provider-support.js';
import { instanceStateDir, readJsonFile, writeJsonAtomically } from '../state-file.js';
import { DEFAULT_DRAIN_MS, DEFAULT_HEALTH_PROBES, type RouterConfig, routerConfigSchema } from './router-config.js';
import { PACKAGE_ROOT } from '../../package-root.js';

const ACTIONS = ['switch', 'split', 'deploy', 'rollback_to'] as const;
/** Shifts traffic; listens with the server (`start`). A watched, healthy release is promoted by a switch. */
const CAPABILITIES: ProviderCapabilities = { deploy: 'deploy', previousRelease: 'rollback_to', traffic: 'switch', promote: 'switch', lifecycle: true };

/** Headers that describe one hop, not the message: never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

export interface RouterDeps {
  /** Each proxied request's outcome, labelled by the release (arm) that served it: the canary judge's input. */
  outcomes?: OutcomeSink | undefined;
  service?: string | undefined;
  environment?: string | undefined;
  /** Share of new releases' traffic on `deploy` (canary); default 0.5. */
  canaryWeight?: number | undefined;
  /**
   * Where the current route and the idempotency journal are kept, so a restarted server sends traffic
   * where it went before (not back to the first upstream of the config) and a resumed step acts once.
   */
  stateDir?: string | undefined;
  /**
   * Run the data plane as its own process (`ripcord router`), which keeps serving its last route while
   * ripcord is down: this provider starts it (or adopts the one running), supervises it, changes its
   * route over its admin interface and pulls its outcomes. Needs `stateDir` (ADR 0111).
   */
  ownProcess?: { configFile: string } | undefined;
}

/** `route.json` in the router's state folder. */
interface SavedRoute {
  weights: Record<string, number>;
  generation: number;
}

interface Upstream {
  name: string;
  url: URL;
  agent: Agent;
  inFlight: number;
}

/**
 * ripcord's built-in reverse proxy: one upstream per release, traffic split by weight, switched at
 * runtime. A switch only changes where NEW requests go; requests in flight finish on the upstream
 * that took them, and `switch` waits (up to `drain`) until the old upstream is idle, so stopping it
 * afterwards loses nothing.
 */
export class RouterProvider implements Provider {
  readonly kind = 'router';
  readonly actions = ACTIONS;
  readonly capabilities = CAPABILITIES;
  /** A step performed again under its key (a retry, a resumed plan) answers as before and changes nothing. */
  private readonly once: OncePerKey;
  private readonly routeFile: string | undefined;
  private readonly upstreams = new Map<string, Upstream>();
  /** Weights by upstream name; they sum to 1. */
  private weights = new Map<string, number>();
  private server: Server | undefined;
  private counter = 0;
  /**
   * How many times the route changed, sent with every proxied answer as `x-ripcord-route-generation`:
   * which routing served a request, and a count of switches anyone can read. Kept with the route, so
   * with a state directory it counts across restarts (without one, since the router started).
   */
  private generation = 0;
  private readonly stateFolder: string | undefined;
  private remote: RouterAdminInfo | undefined;
  private readonly remoteInFlight = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private outcomeCursor: number | undefined;
  private ensuring: Promise<void> | undefined;

  constructor(
    private readonly config: RouterConfig,
    private readonly deps: RouterDeps = {},
  ) {
    for (const [name, url] of Object.entries(config.upstreams ?? {})) this.addUpstream(name, url);
    const first = Object.keys(config.upstreams ?? {})[0];
    if (first) this.weights = new Map([[first, 1]]);
    let journal: IdempotencyJournal = new MemoryJournal();
    if (deps.stateDir) {
      // One state per listen address: two environments' routers never share it.
      const dir = instanceStateDir(deps.stateDir, 'router', String(config.listen ?? ''));
      this.stateFolder = dir;
      journal = new FileJournal(join(dir, 'journal'));
      this.routeFile = join(dir, 'route.json');
      this.restoreRoute();
    }
    this.once = new OncePerKey(journal);
  }

  /** The route of the last run, if every upstream it names is still configured, and its generation. */
  private restoreRoute(): void {
    const saved = this.routeFile ? readJsonFile<SavedRoute | Record<string, number>>(this.routeFile) : undefined;
    if (!saved) return;
    // Files written before the generation was kept hold the bare weights.
    const route: SavedRoute = typeof saved.weights === 'object' ? (saved as SavedRoute) : { weights: saved as Record<string, number>, generation: 0 };
    const names = Object.keys(route.weights);
    if (names.length > 0 && names.every((name) => this.upstreams.has(name))) this.weights = new Map(Object.entries(route.weights));
    this.generation = Number.isSafeInteger(route.generation) ? route.generation : 0;
  }

  private saveRoute(): void {
    // With its own process, the router process keeps the route file; this side only mirrors it.
    if (this.routeFile && !this.deps.ownProcess) writeJsonAtomically(this.routeFile, { weights: this.split(), generation: this.generation } satisfies SavedRoute);
  }

  addUpstream(name: string, url: string): void {
    this.upstreams.get(name)?.agent.destroy();
    this.upstreams.set(name, { name, url: new URL(url), agent: new Agent({ keepAlive: true, maxSockets: 256 }), inFlight: 0 });
  }

  /** Where traffic goes now: upstream name → share. */
  split(): Record<string, number> {
    return Object.fromEntries(this.weights);
  }

  inFlight(name: string): number {
    if (this.deps.ownProcess) return this.remoteInFlight.get(name) ?? 0;
    return this.upstreams.get(name)?.inFlight ?? 0;
  }

  inFlightAll(): Record<string, number> {
    return Object.fromEntries([...this.upstreams.keys()].map((name) => [name, this.inFlight(name)]));
  }

  currentGeneration(): number {
    return this.generation;
  }

  /** Sets the route unless it is already that route: the admin interface's PUT, safe to repeat. */
  setRoute(weights: Record<string, number>): void {
    const total = Object.values(weights).reduce((sum, w) => sum + (w > 0 ? w : 0), 0);
    const now = this.split();
    const same = total > 0 && Object.keys(now).length === Object.entries(weights).filter(([, w]) => w > 0).length && Object.entries(weights).every(([name, w]) => w <= 0 || Math.abs((now[name] ?? -1) - w / total) < 1e-9);
    if (!same) this.route(weights);
  }

  /** The route change a step makes: here, or through the router process's admin interface. */
  private async applyRoute(weights: Record<string, number>): Promise<void> {
    if (!this.deps.ownProcess) {
      this.route(weights);
      return;
    }
    const state = await this.admin<{ weights: Record<string, number>; generation: number; inFlight: Record<string, number> }>('PUT', '/route', { weights });
    this.mirror(state);
  }

  private mirror(state: { weights: Record<string, number>; generation: number; inFlight: Record<string, number> }): void {
    this.weights = new Map(Object.entries(state.weights));
    this.generation = state.generation;
    for (const [name, n] of Object.entries(state.inFlight)) this.remoteInFlight.set(name, n);
  }

  private async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const info = this.remote;
    if (!info) throw new RipcordError('unavailable', 'the router process is not running');
    const response = await fetch(`${info.admin}${path}`, {
      method,
      headers: { authorization: `Bearer ${info.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(5_000),
    });
    const json = (await response.json()) as T & { error?: { message: string } };
    if (!response.ok) throw new RipcordError(response.status === 400 ? 'invalid_input' : 'unavailable', `router admin ${method} ${path}: ${json.error?.message ?? response.status}`);
    return json;
  }

  private async healthy(info: RouterAdminInfo): Promise<boolean> {
    try {
      const response = await fetch(`${info.admin}/healthz`, { signal: AbortSignal.timeout(2_000) });
      const json = (await response.json()) as { pid?: number; proxy?: string };
      // A router named by `admin:` in ripcord.yaml (run by someone else, maybe on another host): any pid.
      if (response.ok && info.pid === 0 && json.pid) {
        info.pid = json.pid;
        if (json.proxy) info.proxy = json.proxy;
        return true;
      }
      return response.ok && json.pid === info.pid;
    } catch {
      return false;
    }
  }

  /** Adopts the router process that is running (a control-plane restart), or starts one and waits for it. */
  private async ensureProcess(): Promise<void> {
    const dir = this.stateFolder;
    const own = this.deps.ownProcess;
    if (!dir || !own || !this.deps.stateDir) throw new RipcordError('config_invalid', 'a router in its own process needs a state folder and the ripcord.yaml path');
    // Several control planes drive one router: `admin: host:port` plus a shared RIPCORD_ROUTER_TOKEN.
    const token = process.env.RIPCORD_ROUTER_TOKEN;
    const configured: RouterAdminInfo | undefined = this.config.admin && token ? { admin: `http://${this.config.admin}`, proxy: `http://${this.config.listen}`, pid: 0, token } : undefined;
    const running = configured && (await this.healthy(configured)) ? configured : readAdminInfo(dir);
    if (running && (await this.healthy(running))) {
      this.remote = running;
    } else {
      const bin = join(PACKAGE_ROOT, 'bin', 'ripcord');
      const log = openSync(join(dir, 'router.log'), 'a');
      const child = spawn(process.execPath, [bin, 'router', '--config', resolve(own.configFile), '--env', this.deps.environment ?? '', '--state-dir', resolve(this.deps.stateDir)], {
        detached: true,
        stdio: ['ignore', log, log],
        env: process.env,
      });
      child.unref();
      closeSync(log);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const info = readAdminInfo(dir);
        if (info && info.pid === child.pid && (await this.healthy(info))) {
          this.remote = info;
          break;
        }
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new RipcordError('unavailable', `the router process for ${this.deps.environment} did not start (exit ${child.exitCode ?? 'none'}); see ${join(dir, 'router.log')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    this.mirror(await this.admin('GET', '/route'));
    if (this.outcomeCursor === undefined) this.outcomeCursor = (await this.admin<{ next: number }>('GET', `/outcomes?after=${Number.MAX_SAFE_INTEGER}`)).next;
  }

  /** Every 2 s: is the router process alive (else start it again)? Every 0.5 s: pull its outcomes for the judge. */
  private supervise(): void {
    if (this.timers.length) return;
    let failures = 0;
    const check = setInterval(() => {
      const info = this.remote;
      if (this.ensuring || !info) return;
      this.ensuring = this.healthy(info)
        .then(async (ok) => {
          failures = ok ? 0 : failures + 1;
          if (failures >= 2) {
            failures = 0;
            this.remote = undefined;
            await this.ensureProcess();
          }
        })
        .catch(() => undefined)
        .finally(() => {
          this.ensuring = undefined;
        });
    }, 2_000);
    let pulling = false;
    const pull = setInterval(() => {
      if (pulling || !this.remote || this.outcomeCursor === undefined) return;
      pulling = true;
      this.admin<{ next: number; outcomes: RequestOutcome[] }>('GET', `/outcomes?after=${this.outcomeCursor}`)
        .then((batch) => {
          this.outcomeCursor = batch.next;
          for (const outcome of batch.outcomes) this.deps.outcomes?.record(outcome);
        })
        .catch(() => undefined)
        .finally(() => {
          pulling = false;
        });
    }, 500);
    check.unref();
    pull.unref();
    this.timers = [check, pull];
  }

  /** Where the router process keeps its route, journal and admin.json. */
  folder(): string | undefined {
    return this.stateFolder;
  }

  /** Sets the split at once (blue-green when one upstream has 1). Unknown names are refused. */
  route(weights: Record<string, number>): void {
    const entries = Object.entries(weights).filter(([, w]) => w > 0);
    for (const [name] of entries) {
      if (!this.upstreams.has(name)) throw new RipcordError('invalid_input', `the router has no upstream "${name}" (upstreams: ${[...this.upstreams.keys()].join(', ') || 'none'})`);
    }
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    if (total <= 0) throw new RipcordError('invalid_input', 'a route needs at least one upstream with a weight above 0');
    this.weights = new Map(entries.map(([name, w]) => [name, w / total]));
    this.generation += 1;
    this.saveRoute();
  }

  /** The provider lifecycle: the server opens the proxy (and closes it). */
  open(): Promise<string> {
    return this.listen();
  }

  async listen(): Promise<string> {
    if (this.deps.ownProcess) {
      if (!this.remote) await this.ensureProcess();
      this.supervise();
      return this.url();
    }
    if (this.server) return this.url();
    const [host, port] = splitListen(this.config.listen);
    const server = createServer((req, res) => this.proxy(req, res));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return this.url();
  }

  url(): string {
    if (this.deps.ownProcess) {
      if (!this.remote) throw new RipcordError('unavailable', 'the router process is not running');
      return this.remote.proxy;
    }
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new RipcordError('unavailable', 'the router is not listening');
    return `http://${address.address}:${address.port}`;
  }

  describe(request: Omit<StepRequest, 'signal' | 'log'>): string {
    assertKnownAction(this.kind, this.actions, request.action);
    const now = Object.entries(this.split())
      .map(([name, w]) => `${name} ${Math.round(w * 100)}%`)
      .join(', ');
    const to = this.upstreamFor(request);
    if (request.action === 'deploy' || request.action === 'split') {
      return `send ${Math.round(this.weightFor(request) * 100)}% of traffic at ${this.config.listen} to ${to} (now: ${now || 'nothing'})`;
    }
    return `switch 100% of traffic at ${this.config.listen} to ${to} and drain the others (now: ${now || 'nothing'})`;
  }

  async perform(request: StepRequest): Promise<StepResult> {
    assertKnownAction(this.kind, this.actions, request.action);
    throwIfAborted(request.signal, this.kind, request.action);
    return withRedactedErrors(() => this.once.run(request.idempotencyKey, () => this.act(request)));
  }

  /**
   * Probes the upstream traffic is about to go to (`health` path, `health_probes` times): a target that
   * is down must not get 100% of traffic. Throws, leaving the route as it was, so the step fails (or its
   * fallback runs) and says why.
   */
  async checkTarget(name: string, signal?: AbortSignal): Promise<void> {
    const probes = this.config.health_probes ?? DEFAULT_HEALTH_PROBES;
    const upstream = this.upstreams.get(name);
    if (!upstream || probes === 0) return;
    const url = new URL(this.config.health ?? '/', upstream.url);
    const failures: string[] = [];
    for (let i = 0; i < probes; i++) {
      try {
        const response = await fetch(url, { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(2_000)]) : AbortSignal.timeout(2_000) });
        await response.arrayBuffer().catch(() => undefined);
        if (response.status >= 500) failures.push(`HTTP ${response.status}`);
      } catch (error) {
        failures.push(((error as Error).cause as Error | undefined)?.message ?? (error as Error).message);
      }
      if (i < probes - 1) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (failures.length) {
      const now = Object.entries(this.split()).map(([n, w]) => `${n} ${Math.round(w * 100)}%`).join(', ');
      throw new RipcordError('unavailable', `refusing to send traffic to ${name}: its health check ${url.href} failed ${failures.length} of ${probes} probes (${[...new Set(failures)].join('; ')}); traffic stays as it was (${now || 'nothing'})`);
    }
  }

  private async act(request: StepRequest): Promise<StepResult> {
    await this.listen();
    const to = this.upstreamFor(request);
    await this.checkTarget(to, request.signal);
    // Setting a split is idempotent by nature: the same request twice leaves the same state.
    if (request.action === 'deploy' || request.action === 'split') {
      const weight = this.weightFor(request);
      const others = [...this.weights.keys()].filter((name) => name !== to);
      const rest = others.length ? others : [];
      const next: Record<string, number> = { [to]: weight };
      for (const name of rest) next[name] = ((this.weights.get(name) ?? 0) / Math.max(1e-9, 1 - (this.weights.get(to) ?? 0))) * (1 - weight);
      await this.applyRoute(next);
      request.log(`router: ${JSON.stringify(this.split())}`);
      return { summary: `sending ${Math.round(weight * 100)}% of traffic to ${to}`, details: { split: this.split() } };
    }
    const before = [...this.weights.keys()].filter((name) => name !== to);
    const switchedAt = performance.now();
    await this.applyRoute({ [to]: 1 });
    const drained = await this.drain(before, request.signal);
    const ms = Math.round(performance.now() - switchedAt);
    return {
      summary: `switched 100% of traffic to ${to}${before.length ? `; drained ${before.join(', ')} in ${ms}ms${drained ? '' : ' (drain timed out, requests still in flight)'}` : ''}`,
      details: { split: this.split(), drainedMs: ms, drained },
    };
  }

  async close(): Promise<void> {
    // Its own process outlives the control plane on purpose: only the supervision stops.
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.ensuring;
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    for (const upstream of this.upstreams.values()) upstream.agent.destroy();
  }

  private async drain(names: string[], signal: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + (this.config.drain ?? DEFAULT_DRAIN_MS);
    for (;;) {
      if (this.deps.ownProcess) this.mirror(await this.admin('GET', '/route'));
      if (!names.some((name) => this.inFlight(name) > 0)) break;
      if (Date.now() > deadline || signal.aborted) return false;
      await new Promise((resolve) => setTimeout(resolve, this.deps.ownProcess ? 25 : 5));
    }
    return true;
  }

  private upstreamFor(request: Pick<StepRequest, 'action' | 'params' | 'release' | 'target'>): string {
    const named = request.params.upstream ?? request.params.to;
    let name: string | undefined;
    if (typeof named === 'string' && named !== 'previous' && named !== 'stable') name = named;
    else if (request.action === 'deploy' || request.action === 'split') name = request.release.version;
    else name = request.target?.version;
    if (!name) throw new RipcordError('invalid_input', `router ${request.action}: no target release to send traffic to`);
    if (!this.upstreams.has(name)) {
      throw new RipcordError('invalid_input', `the router has no upstream for ${name} (upstreams: ${[...this.upstreams.keys()].join(', ') || 'none'}): add it under provider.upstreams`);
    }
    return name;
  }

  private weightFor(request: Pick<StepRequest, 'action' | 'params'>): number {
    const w = request.params.weight ?? (request.action === 'deploy' ? (this.deps.canaryWeight ?? 0.5) : undefined);
    if (typeof w !== 'number' || !(w > 0 && w <= 1)) throw new RipcordError('invalid_input', `router ${request.action} needs params.weight between 0 and 1 (got ${String(w)})`);
    return w;
  }

  private pick(): Upstream | undefined {
    // Deterministic weighted round-robin over 100 slots: exact shares, no randomness in tests.
    const slot = (this.counter++ % 100) / 100;
    let acc = 0;
    for (const [name, weight] of this.weights) {
      acc += weight;
      if (slot < acc - 1e-9) return this.upstreams.get(name);
    }
    const last = [...this.weights.keys()].at(-1);
    return last ? this.upstreams.get(last) : undefined;
  }

  private proxy(req: IncomingMessage, res: ServerResponse, retry = true): void {
    const upstream = this.pick();
    if (!upstream) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('ripcord router: no upstream\n');
      return;
    }
    const started = performance.now();
    upstream.inFlight += 1;
    let done = false;
    const finish = (status: number) => {
      if (done) return;
      done = true;
      upstream.inFlight -= 1;
      this.deps.outcomes?.record({
        service: this.deps.service ?? '',
        environment: this.deps.environment ?? '',
        release: upstream.name,
        ok: status < 500,
        status,
        latencyMs: performance.now() - started,
        route: req.url?.split('?')[0],
        at: Date.now(),
      });
    };
    const headers: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(key)) headers[key] = value;
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    const outgoing = httpRequest(
      { protocol: upstream.url.protocol, hostname: upstream.url.hostname, port: upstream.url.port, path: req.url, method: req.method, headers, agent: upstream.agent },
      (incoming) => {
        const out: Record<string, string | string[]> = { 'x-ripcord-release': upstream.name, 'x-ripcord-route-generation': String(this.generation) };
        for (const [key, value] of Object.entries(incoming.headers)) if (value !== undefined && !HOP_BY_HOP.has(key)) out[key] = value;
        res.writeHead(incoming.statusCode ?? 502, out);
        incoming.pipe(res);
        incoming.on('end', () => finish(incoming.statusCode ?? 502));
        incoming.on('error', () => finish(502));
      },
    );
    outgoing.on('error', (error) => {
      const bodyless = req.method === 'GET' || req.method === 'HEAD';
      if (!res.headersSent && retry && bodyless) {
        // A connection refused or reset before any answer (an upstream being stopped): try once more on the current route.
        done = true;
        upstream.inFlight -= 1;
        this.proxy(req, res, false);
        return;
      }
      finish(502);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`ripcord router: upstream ${upstream.name} failed: ${error.message}\n`);
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
      finish(res.statusCode || 499);
    });
    req.pipe(outgoing);
  }
}

function splitListen(listen: string): [string, number] {
  const index = listen.lastIndexOf(':');
  return [listen.slice(0, index) || '127.0.0.1', Number(listen.slice(index + 1))];
}

export function createRouterProvider(config: RouterConfig, deps: RouterDeps = {}): RouterProvider {
  return new RouterProvider(config, deps);
}

export const routerProvider = defineProvider({
  kind: 'router',
  schema: routerConfigSchema,
  capabilities: CAPABILITIES,
  summary: 'ripcord\'s own reverse proxy: blue-green and weighted canary between upstreams',
  create: (config, deps) => new RouterProvider(config, { stateDir: deps.stateDir, outcomes: deps.outcomes, service: deps.service, environment: deps.environment, ownProcess: deps.ownProcess }),
});
