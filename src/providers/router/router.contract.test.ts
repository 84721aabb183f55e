import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe } from 'vitest';
import { contractRelease, contractTarget, runProviderContract } from '../provider-contract.js';
import { RouterProvider } from './router-provider.js';

/**
 * The router through the shared provider contract. Its effect is where traffic goes, so the suite
 * counts switches from outside, through real traffic: every answer the router proxies carries
 * `x-ripcord-route-generation`, the number of route changes so far, and `effects()` sends a request
 * through the router to two real upstreams (blue and green) and reads it. A switch performed twice
 * under one key would count twice, even though switching to the same side twice looks the same.
 */
describe('router provider and the shared contract', () => {
  const servers: Server[] = [];
  let router: RouterProvider;
  let next = 0;

  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  runProviderContract('router', async () => {
    const upstreams: Record<string, string> = {};
    for (const name of ['blue', 'green']) {
      const server = createServer((_req, res) => res.end(name));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      upstreams[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
    router = new RouterProvider({ kind: 'router', listen: '127.0.0.1:0', upstreams, drain: 2000 });
    await router.listen();
    return {
      provider: router,
      // Alternate sides, so every switch also moves real traffic.
      request: () => ({ action: 'switch', params: { to: ++next % 2 ? 'green' : 'blue' }, release: contractRelease(), target: contractTarget() }),
      describeRequests: () => [
        { action: 'split', params: { upstream: 'green', weight: 0.1 }, release: contractRelease(), target: contractTarget() },
        { action: 'deploy', params: { upstream: 'green' }, release: contractRelease(), target: contractTarget() },
        { action: 'rollback_to', params: { to: 'blue' }, release: contractRelease(), target: contractTarget() },
      ],
      effects: async () => Number((await fetch(router.url())).headers.get('x-ripcord-route-generation')),
    };
  });
});
