import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { contractRelease, contractTarget, runProviderContract } from '../provider-contract.js';
import { RouterProvider } from './router-provider.js';
import type { RouterConfig } from './router-config.js';

/**
 * The router through the shared provider contract, with two real apps on loopback: blue answers
 * "1.0.0", green "2.0.0". The fixture alternates a roll-forward (`switch` to the release) and a
 * rollback (`rollback_to`, its upstream found from the target release as in a real plan), so every
 * switch moves real traffic.
 *
 * - `observe()` is what proves a rollback: which version's app answers requests sent through the
 *   router, read from the apps' own bodies (not from the router's headers); `observedAfter()` says
 *   which it must be after each step, so a switch that only moved a counter fails.
 * - `effects()` counts switches: a switch to the side already live changes no answer, so the count
 *   is `x-ripcord-route-generation` on a proxied answer, read over HTTP. It is checked against the
 *   traffic: the answering app must be the one the router says served it.
 * - `restart()` closes the router and starts a new one over the same state directory, as a restarted
 *   ripcord does: the route, its generation and the idempotency journal must survive.
 */
describe('router provider and the shared contract', () => {
  const servers: Server[] = [];
  let router: RouterProvider;
  let next = 0;

  afterAll(async () => {
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  async function app(version: string): Promise<string> {
    const server = createServer((_req, res) => res.end(version));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** One request through the router: the version whose app answered and the route generation it carried. */
  async function probe(): Promise<{ version: string; generation: number }> {
    const response = await fetch(router.url());
    const version = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ripcord-release'), 'the router must name the app that really answered').toBe(version);
    return { version, generation: Number(response.headers.get('x-ripcord-route-generation')) };
  }

  runProviderContract('router', async () => {
    const config: RouterConfig = { kind: 'router', listen: '127.0.0.1:0', upstreams: { '1.0.0': await app('1.0.0'), '2.0.0': await app('2.0.0') }, drain: 2000 };
    const stateDir = mkdtempSync(join(tmpdir(), 'ripcord-router-contract-'));
    router = new RouterProvider(config, { stateDir });
    await router.listen();
    return {
      provider: router,
      request: () =>
        ++next % 2
          ? { action: 'switch', params: { to: '2.0.0' }, release: contractRelease(), target: contractTarget() }
          : { action: 'rollback_to', params: {}, release: contractRelease(), target: contractTarget() },
      describeRequests: () => [
        { action: 'split', params: { upstream: '2.0.0', weight: 0.1 }, release: contractRelease(), target: contractTarget() },
        { action: 'deploy', params: {}, release: contractRelease(), target: contractTarget() },
      ],
      effects: async () => (await probe()).generation,
      // A switch to a release with no upstream, whose version is a token pasted by mistake: the error must not echo it.
      failure: () => ({ secret: 'rtr-tok-9b8c7d', request: { action: 'switch', params: {}, release: contractRelease(), target: contractTarget({ version: 'rtr-tok-9b8c7d' }) } }),
      // Ten answers, so a split (not a full switch) would show as two versions.
      observe: async () => [...new Set(await Promise.all(Array.from({ length: 10 }, async () => (await probe()).version)))].sort(),
      // A switch or a rollback sends all traffic to one version: only its app answers.
      observedAfter: (request) => [request.action === 'rollback_to' ? (request.target?.version ?? '') : String(request.params.to)],
      restart: async () => {
        await router.close();
        router = new RouterProvider(config, { stateDir });
        await router.listen();
        return router;
      },
    };
  }, { observe: true, restart: true });
});
