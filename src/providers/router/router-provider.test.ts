import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseRef } from '../provider.js';
import type { RequestOutcome } from '../../signals/request-outcome.js';
import { instanceStateDir } from '../state-file.js';
import { RouterProvider } from './router-provider.js';

const servers: Server[] = [];
async function upstream(version: string, delayMs = 0): Promise<string> {
  const server = createServer((req, res) => {
    setTimeout(() => {
      res.setHeader('content-type', 'text/plain');
      res.end(`${version} ${req.method} ${req.url}`);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const ref = (version: string): ReleaseRef => ({ id: `rel_${version}`, service: 'shop', environment: 'prod', version, snapshots: [] });
const step = (action: string, params: Record<string, unknown>, release: string, target?: string) => ({
  action,
  params,
  release: ref(release),
  target: target ? ref(target) : undefined,
  idempotencyKey: `k-${action}-${release}`,
  signal: new AbortController().signal,
  log: () => undefined,
});

let router: RouterProvider;
const outcomes: RequestOutcome[] = [];

beforeAll(async () => {
  router = new RouterProvider(
    { kind: 'router', listen: '127.0.0.1:0', upstreams: { '1.0.0': await upstream('1.0.0', 20), '2.0.0': await upstream('2.0.0', 20) }, drain: 5000 },
    { outcomes: { record: (o) => outcomes.push(o) }, service: 'shop', environment: 'prod' },
  );
  await router.listen();
});

afterAll(async () => {
  await router.close();
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

async function get(path = '/'): Promise<{ status: number; body: string; release: string | null }> {
  const response = await fetch(`${router.url()}${path}`);
  return { status: response.status, body: await response.text(), release: response.headers.get('x-ripcord-release') };
}

describe('router provider', () => {
  it('proxies to the first upstream, then splits by weight and labels each outcome by release', async () => {
    expect((await get('/hello?x=1')).body).toBe('1.0.0 GET /hello?x=1');
    expect(router.describe(step('deploy', { weight: 0.25 }, '2.0.0'))).toContain('send 25% of traffic');
    await router.perform(step('deploy', { weight: 0.25 }, '2.0.0'));
    expect(router.split()).toEqual({ '2.0.0': 0.25, '1.0.0': 0.75 });
    outcomes.length = 0;
    const answers = await Promise.all(Array.from({ length: 100 }, () => get()));
    expect(answers.filter((a) => a.release === '2.0.0')).toHaveLength(25);
    expect(answers.every((a) => a.status === 200 && a.body.startsWith(a.release as string))).toBe(true);
    expect(outcomes.filter((o) => o.release === '2.0.0' && o.ok)).toHaveLength(25);
    expect(outcomes.filter((o) => o.release === '1.0.0' && o.ok)).toHaveLength(75);
    expect(outcomes[0]).toMatchObject({ service: 'shop', environment: 'prod', status: 200, route: '/' });
  });

  it('switches all traffic back under load without failing a request, and drains the old upstream first', async () => {
    await router.perform(step('split', { weight: 0.5 }, '2.0.0'));
    let stop = false;
    const results: number[] = [];
    const load = Array.from({ length: 20 }, async () => {
      while (!stop) results.push((await get()).status);
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const result = await router.perform(step('rollback_to', {}, '2.0.0', '1.0.0'));
    // The switch returns only when nothing is in flight on 2.0.0 any more.
    expect(router.inFlight('2.0.0')).toBe(0);
    expect(result.summary).toMatch(/switched 100% of traffic to 1.0.0; drained 2.0.0 in \d+ms/);
    const after = (await Promise.all(Array.from({ length: 20 }, () => get()))).map((a) => a.release);
    stop = true;
    await Promise.all(load);
    expect(results.length).toBeGreaterThan(50);
    expect(results.filter((status) => status !== 200)).toEqual([]);
    expect(new Set(after)).toEqual(new Set(['1.0.0']));
  });

  it('refuses an unknown upstream with the list of known ones', async () => {
    await expect(router.perform(step('switch', { to: '9.9.9' }, '2.0.0'))).rejects.toThrow(/no upstream for 9.9.9 \(upstreams: 1.0.0, 2.0.0\)/);
    expect(router.split()).toEqual({ '1.0.0': 1 });
  });
});

describe('router provider idempotency', () => {
  it('answers a step performed again under its key as before and changes nothing', async () => {
    const keyed = new RouterProvider({ kind: 'router', listen: '127.0.0.1:0', upstreams: { '1.0.0': await upstream('1.0.0'), '2.0.0': await upstream('2.0.0') }, drain: 1000 }, { service: 'shop', environment: 'prod' });
    await keyed.listen();
    try {
      const serving = async () => (await (await fetch(`${keyed.url()}/`)).text()).split(' ')[0];
      const first = await keyed.perform({ ...step('rollback_to', {}, '1.0.0', '2.0.0'), idempotencyKey: 'plan_7:0' });
      expect(await serving()).toBe('2.0.0');
      // Same key, even with another target (a resumed plan re-reading a changed ledger): nothing happens.
      const again = await keyed.perform({ ...step('rollback_to', {}, '2.0.0', '1.0.0'), idempotencyKey: 'plan_7:0' });
      expect(again).toEqual(first);
      expect(await serving()).toBe('2.0.0');
      await keyed.perform({ ...step('rollback_to', {}, '2.0.0', '1.0.0'), idempotencyKey: 'plan_8:0' });
      expect(await serving()).toBe('1.0.0');
    } finally {
      await keyed.close();
    }
  });
});

describe('router provider across a ripcord restart', () => {
  it('sends traffic where it went before the restart, and a resumed step does not switch again', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'ripcord-router-state-'));
    const config = { kind: 'router' as const, listen: '127.0.0.1:0', upstreams: { '1.0.0': await upstream('1.0.0'), '2.0.0': await upstream('2.0.0') }, drain: 1000 };
    const serving = async (r: RouterProvider) => (await (await fetch(`${r.url()}/`)).text()).split(' ')[0];
    const before = new RouterProvider(config, { stateDir });
    await before.listen();
    await before.perform({ ...step('deploy', { weight: 1 }, '2.0.0'), idempotencyKey: 'plan_9:0' });
    expect(await serving(before)).toBe('2.0.0');
    await before.close();

    // Without the saved route, a new router would send everything to the config's first upstream (1.0.0).
    const after = new RouterProvider(config, { stateDir });
    await after.listen();
    try {
      expect(after.split()).toEqual({ '2.0.0': 1 });
      expect(await serving(after)).toBe('2.0.0');
      const resumed = await after.perform({ ...step('rollback_to', {}, '2.0.0', '1.0.0'), idempotencyKey: 'plan_9:0' });
      expect(resumed.summary).toBe('sending 100% of traffic to 2.0.0');
      expect(await serving(after)).toBe('2.0.0');
    } finally {
      await after.close();
    }
  });

  it('reads a route saved before the generation was kept, and keeps the generation from then on', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'ripcord-router-state-'));
    const config = { kind: 'router' as const, listen: '127.0.0.1:0', upstreams: { '1.0.0': await upstream('1.0.0'), '2.0.0': await upstream('2.0.0') }, drain: 1000 };
    const routeFile = join(instanceStateDir(stateDir, 'router', config.listen), 'route.json');
    writeFileSync(routeFile, JSON.stringify({ '2.0.0': 1 }));
    const old = new RouterProvider(config, { stateDir });
    await old.listen();
    try {
      const answer = await fetch(`${old.url()}/`);
      expect((await answer.text()).split(' ')[0]).toBe('2.0.0');
      expect(answer.headers.get('x-ripcord-route-generation')).toBe('0');
      await old.perform({ ...step('rollback_to', {}, '2.0.0', '1.0.0'), idempotencyKey: 'plan_10:0' });
      expect(JSON.parse(readFileSync(routeFile, 'utf8'))).toEqual({ weights: { '1.0.0': 1 }, generation: 1 });
    } finally {
      await old.close();
    }
  });
});

describe('router target health check', () => {
  it('refuses to switch to an upstream that fails its health probes, leaves traffic where it was, and says why', async () => {
    let healthy = false;
    let probes = 0;
    const target = createServer((req, res) => {
      if (req.url === '/health') probes += 1;
      res.writeHead(req.url === '/health' && !healthy ? 503 : 200).end('ok');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    servers.push(target);
    const checked = new RouterProvider({
      kind: 'router',
      listen: '127.0.0.1:0',
      upstreams: { '1.0.0': `http://127.0.0.1:${(target.address() as AddressInfo).port}`, '2.0.0': await upstream('2.0.0') },
      health: '/health',
      health_probes: 2,
    });
    try {
      checked.route({ '2.0.0': 1 });
      const before = checked.split();
      await expect(checked.perform({ ...step('rollback_to', {}, '2.0.0', '1.0.0'), idempotencyKey: 'health-1' })).rejects.toThrow(
        /refusing to send traffic to 1\.0\.0: its health check http:\/\/127\.0\.0\.1:\d+\/health failed 2 of 2 probes \(HTTP 503\); traffic stays as it was \(2\.0\.0 100%\)/,
      );
      expect(checked.split()).toEqual(before);
      expect(probes).toBe(2);
      healthy = true;
      await checked.perform({ ...step('rollback_to', {}, '2.0.0', '1.0.0'), idempotencyKey: 'health-2' });
      expect(checked.split()).toEqual({ '1.0.0': 1 });
      expect(probes).toBe(4);
    } finally {
      await checked.close();
    }
  });
});
