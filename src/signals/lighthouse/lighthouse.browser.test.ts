import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerificationProvider } from '../../rollbacks/verification-provider.js';
import { contextFor, defaultDeps, signalSourceContract } from '../signal-source-contract.js';
import { lighthouseSource, lighthouseSourceWith } from './lighthouse-source.js';
import { runLighthouse } from './run-lighthouse.js';

/**
 * Lighthouse for real, in Debian's Chromium (`apt-get install -y chromium`), against a page served on
 * loopback that is fast in release v1 and slow in v2 (a render-blocking script that arrives late and blocks the main thread).
 */
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const slow = req.url?.startsWith('/v2');
    if (req.url?.endsWith('/app.js')) {
      res.setHeader('content-type', 'text/javascript');
      // The slow release's render-blocking script comes late and then blocks the main thread.
      const body = slow ? 'const t = Date.now(); while (Date.now() - t < 4000) {}' : 'document.title = "ok";';
      setTimeout(() => res.end(body), slow ? 3000 : 0);
      return;
    }
    res.setHeader('content-type', 'text/html');
    const prefix = slow ? '/v2' : '/v1';
    res.end(`<!doctype html><html><head><meta name="viewport" content="width=device-width"><title>pulse</title><script src="${prefix}/app.js"></script></head><body><h1>pulse ${prefix}</h1></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

// The contract with a canned runner (schema, metrics, errors as data); the real runs are below.
signalSourceContract({
  definition: lighthouseSourceWith(async (url) => (url.includes('down') ? { error: 'Lighthouse could not load http://down/: net::ERR_CONNECTION_REFUSED' } : { url, score: 90, lcpMs: 800 })) as never,
  valid: { lighthouse: { url: 'http://127.0.0.1:1/' }, every: '10m' },
  working: async () => ({ config: { lighthouse: { url: 'http://up/' } }, close: async () => undefined }),
  unreachable: async () => ({ config: { lighthouse: { url: 'http://down/' } }, close: async () => undefined }),
});

describe('Lighthouse in Chromium', () => {
  it('scores the fast release well and the slow one below 70, as a signal', async () => {
    const fast = await lighthouseSource.create('lh', lighthouseSource.schema.parse({ lighthouse: { url: `${base}/v1/` } }), defaultDeps()).read(contextFor());
    const slow = await lighthouseSource.create('lh', lighthouseSource.schema.parse({ lighthouse: { url: `${base}/v2/` } }), defaultDeps()).read(contextFor());
    expect(fast.samples?.score?.value).toBeGreaterThanOrEqual(70);
    expect(slow.samples?.score?.value).toBeLessThan(70);
    // The late render-blocking script delays the first paint: LCP is where the slow release shows.
    expect(slow.samples?.lcp?.value).toBeGreaterThan((fast.samples?.lcp?.value ?? Number.POSITIVE_INFINITY) + 1000);
  }, 240_000);

  it('fails the verification step `lighthouse: { min_score: 70 }` on the slow page, passes it on the fast one', async () => {
    const verify = new VerificationProvider({ lighthouse: runLighthouse });
    const step = (url: string) =>
      verify.perform({ action: 'lighthouse', params: { urls: [url], minScore: 70 }, release: { id: 'rel_v1', service: 'pulse', environment: 'production', version: 'v1', snapshots: [] }, idempotencyKey: 'k', signal: new AbortController().signal, log: () => undefined });
    await expect(step(`${base}/v1/`)).resolves.toMatchObject({ summary: expect.stringContaining('Lighthouse scores at least 70') });
    await expect(step(`${base}/v2/`)).rejects.toThrow(/Lighthouse performance score of .*\/v2\/ is \d+, below 70/);
  }, 240_000);
});
