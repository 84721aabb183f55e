import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { RequestOutcome } from '../../signals/request-outcome.js';
import { readJsonFile, writeJsonAtomically } from '../state-file.js';
import type { RouterProvider } from './router-provider.js';

/** `admin.json` in the router's state folder: where its admin interface is and who runs it. */
export interface RouterAdminInfo {
  admin: string;
  proxy: string;
  pid: number;
  /** The bearer token; the file is owner-only (0600), like the route it guards. */
  token: string;
}

export const adminInfoFile = (dir: string) => join(dir, 'admin.json');
export const readAdminInfo = (dir: string) => readJsonFile<RouterAdminInfo>(adminInfoFile(dir));

/** Outcomes kept for control planes to pull (`GET /outcomes?after=`); the oldest go first past this. */
const OUTCOME_BUFFER = 200_000;

/** What the router process records, for the control planes that judge releases to pull. */
export class OutcomeBuffer {
  private readonly items: RequestOutcome[] = [];
  private first = 0;

  record(outcome: RequestOutcome): void {
    this.items.push(outcome);
    if (this.items.length > OUTCOME_BUFFER) {
      this.items.splice(0, this.items.length - OUTCOME_BUFFER);
      this.first = this.next() - OUTCOME_BUFFER;
    }
  }

  next(): number {
    return this.first + this.items.length;
  }

  after(cursor: number, limit = 20_000): { next: number; outcomes: RequestOutcome[] } {
    const from = Math.min(Math.max(cursor, this.first), this.next()) - this.first;
    const outcomes = this.items.slice(from, from + limit);
    return { next: this.first + from + outcomes.length, outcomes };
  }
}

async function body(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 64 * 1024) throw new Error('body too large');
  }
  return text ? JSON.parse(text) : undefined;
}

/**
 * The router process's admin interface, for the control plane(s): `GET /route` (weights, generation,
 * requests in flight), `PUT /route` (set the weights; the same weights again change nothing),
 * `GET /outcomes?after=N`, and `GET /healthz` (no token). Everything but /healthz needs the bearer token.
 */
export async function startRouterAdmin(router: RouterProvider, options: { listen: string; token?: string | undefined; stateDir: string; outcomes: OutcomeBuffer }): Promise<{ server: Server; info: RouterAdminInfo }> {
  const token = options.token ?? readAdminInfo(options.stateDir)?.token ?? `rrt_${randomBytes(24).toString('hex')}`;
  const expected = Buffer.from(`Bearer ${token}`);
  const authorized = (req: IncomingMessage) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const server = createServer((req, res) => {
    const reply = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    const url = new URL(req.url ?? '/', 'http://router');
    if (url.pathname === '/healthz') return reply(200, { status: 'ok', pid: process.pid, proxy: router.url() });
    if (!authorized(req)) return reply(401, { error: { code: 'unauthorized', message: 'the router admin interface needs its bearer token (admin.json in the router state folder, or RIPCORD_ROUTER_TOKEN)' } });
    const state = () => ({ weights: router.split(), generation: router.currentGeneration(), inFlight: router.inFlightAll() });
    if (url.pathname === '/route' && req.method === 'GET') return reply(200, state());
    if (url.pathname === '/route' && req.method === 'PUT') {
      body(req).then(
        (value) => {
          const weights = (value as { weights?: Record<string, number> } | undefined)?.weights;
          if (!weights || typeof weights !== 'object') return reply(400, { error: { code: 'invalid_input', message: 'body.weights: expected { "<upstream>": <weight> }' } });
          try {
            router.setRoute(weights);
            reply(200, state());
          } catch (error) {
            reply(400, { error: { code: 'invalid_input', message: (error as Error).message } });
          }
        },
        (error) => reply(400, { error: { code: 'invalid_input', message: `body: ${(error as Error).message}` } }),
      );
      return;
    }
    if (url.pathname === '/outcomes' && req.method === 'GET') return reply(200, options.outcomes.after(Number(url.searchParams.get('after') ?? 0) || 0));
    reply(404, { error: { code: 'not_found', message: `no route ${req.method} ${url.pathname}` } });
  });
  const index = options.listen.lastIndexOf(':');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(options.listen.slice(index + 1)), options.listen.slice(0, index) || '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const info: RouterAdminInfo = { admin: `http://${address.address}:${address.port}`, proxy: router.url(), pid: process.pid, token };
  writeJsonAtomically(adminInfoFile(options.stateDir), info);
  chmodSync(adminInfoFile(options.stateDir), 0o600);
  return { server, info };
}
