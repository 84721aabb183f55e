// npm run bench:platforms — how long each platform step of a rollback takes through ripcord, against
// the platform's local fake with a configured completion latency (the time the fake takes from
// "accepted" to "current", standing in for Vercel's/Netlify's/Render's own). Rows: step total (first
// API call → verified current), accepted → current as the provider measured it, and ripcord's overhead
// over the configured latency (polling granularity + API calls). The seeds say 1–3 minutes by hand.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Provider, ReleaseRef, StepRequest } from '../src/providers/provider.js';
import { FakeNetlifyApi } from '../src/providers/netlify/fake-netlify-api.js';
import { NetlifyProvider } from '../src/providers/netlify/netlify-provider.js';
import { FakeRenderApi } from '../src/providers/render/fake-render-api.js';
import { RenderProvider } from '../src/providers/render/render-provider.js';
import { FakeVercelApi } from '../src/providers/vercel/fake-vercel-api.js';
import { VercelProvider } from '../src/providers/vercel/vercel-provider.js';

const contractRelease = (): ReleaseRef => ({ id: 'rel_bad', service: 'web', environment: 'production', version: '2.0.0', snapshots: [] });
const contractTarget = (over: Partial<ReleaseRef>): ReleaseRef => ({ id: 'rel_good', service: 'web', environment: 'production', version: '1.0.0', snapshots: [], ...over });

const RUNS = Number(process.env.RUNS ?? 3);
const LATENCIES = (process.env.LATENCIES ?? '1000,5000').split(',').map(Number);
const POLLS = (process.env.POLLS ?? '250,2000').split(',').map(Number);

interface Platform {
  provider: Provider;
  /** A rollback request that really moves the platform (alternating targets). */
  request(run: number): Omit<StepRequest, 'signal' | 'log' | 'idempotencyKey'>;
  close(): Promise<void>;
}

async function platform(kind: string, latency: number, poll: number, stateDir: string): Promise<Platform> {
  if (kind === 'vercel') {
    const fake = new FakeVercelApi({ token: 'bench-token-vercel', completionMs: latency });
    const api = await fake.listen();
    const ids = [fake.deploy('1.0.0').uid, fake.deploy('2.0.0').uid];
    return {
      provider: new VercelProvider({ kind: 'vercel', project: 'web', token: 'bench-token-vercel', api, poll, wait: 120_000 } as never, { stateDir }),
      request: (run) => ({ action: 'rollback', params: {}, release: contractRelease(), target: contractTarget({ providerDeploymentId: ids[run % 2] }) }),
      close: () => fake.close(),
    };
  }
  if (kind === 'netlify') {
    const fake = new FakeNetlifyApi({ token: 'bench-token-netlify', completionMs: latency });
    const api = await fake.listen();
    const ids = [fake.deploy('1.0.0').id, fake.deploy('2.0.0').id];
    return {
      provider: new NetlifyProvider({ kind: 'netlify', site: fake.siteId, token: 'bench-token-netlify', api, poll, wait: 120_000 } as never, { stateDir }),
      request: (run) => ({ action: 'restore', params: {}, release: contractRelease(), target: contractTarget({ providerDeploymentId: ids[run % 2] }) }),
      close: () => fake.close(),
    };
  }
  const fake = new FakeRenderApi({ token: 'bench-token-render', completionMs: latency });
  const api = await fake.listen();
  const ids = [fake.deploy('1.0.0').id, fake.deploy('2.0.0').id];
  return {
    provider: new RenderProvider({ kind: 'render', service: fake.serviceId, token: 'bench-token-render', api, poll, wait: 120_000 } as never, { stateDir }),
    request: (run) => ({ action: 'rollback', params: {}, release: contractRelease(), target: contractTarget({ providerDeploymentId: ids[run % 2] }) }),
    close: () => fake.close(),
  };
}

const rows: string[] = [];
for (const kind of ['vercel', 'netlify', 'render']) {
  for (const latency of LATENCIES) {
    for (const poll of POLLS) {
      const stateDir = mkdtempSync(join(tmpdir(), `ripcord-bench-${kind}-`));
      const p = await platform(kind, latency, poll, stateDir);
      try {
        const totals: number[] = [];
        const accepted: number[] = [];
        for (let run = 0; run < RUNS; run++) {
          const started = performance.now();
          const result = await p.provider.perform({ ...p.request(run), idempotencyKey: `bench-${kind}-${latency}-${poll}-${run}`, signal: AbortSignal.timeout(150_000), log: () => undefined });
          totals.push(performance.now() - started);
          accepted.push(Number(result.details?.acceptedToCurrentMs));
        }
        const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
        const step = median(totals);
        const current = median(accepted);
        rows.push(`| ${kind} | ${latency} | ${poll} | ${RUNS} | ${Math.round(step)} | ${Math.round(current)} | ${Math.round(current - latency)} |`);
        console.error(rows.at(-1));
      } finally {
        await p.close();
        rmSync(stateDir, { recursive: true, force: true });
      }
    }
  }
}
console.log(['| platform | fake latency (ms) | poll (ms) | runs | step total, median (ms) | accepted → current, median (ms) | overhead over latency (ms) |', '| --- | --- | --- | --- | --- | --- | --- |', ...rows].join('\n'));
