import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReleaseRef } from '../provider.js';
import { contractRelease, contractTarget, runProviderContract } from '../provider-contract.js';
import { ProcessProvider } from './process-provider.js';

const ref = (version: string): ReleaseRef => ({ id: `rel_${version}`, service: 'shop', environment: 'prod', version, snapshots: [] });
const request = (action: string, release: string, target?: string, params: Record<string, unknown> = {}) => ({
  action,
  params,
  release: ref(release),
  target: target ? ref(target) : undefined,
  idempotencyKey: `${action}-${release}`,
  signal: new AbortController().signal,
  log: () => undefined,
});

const provider = new ProcessProvider({ kind: 'process', command: `exec ${process.execPath} ${resolve('examples/quickstart/app.mjs')}`, port: 19_381, health: '/health' });
afterAll(() => provider.stopAll());

async function versionAt(port: number): Promise<string | undefined> {
  try {
    return ((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { version: string }).version;
  } catch {
    return undefined;
  }
}

describe('process provider', () => {
  it('starts a version, waits until healthy, and stops the old one after the switch', async () => {
    const first = await provider.perform(request('deploy', '1.0.0'));
    expect(first.summary).toBe('1.0.0 is running on port 19381 and healthy');
    expect(await versionAt(19_381)).toBe('1.0.0');
    const second = await provider.perform(request('start', '2.0.0'));
    expect(second.summary).toBe('2.0.0 is running on port 19382 and healthy');
    expect(provider.versions()).toEqual({ '1.0.0': 19_381, '2.0.0': 19_382 });
    // Same request again: nothing is started twice.
    await provider.perform(request('start', '2.0.0'));
    expect(provider.versions()).toEqual({ '1.0.0': 19_381, '2.0.0': 19_382 });
    expect(provider.describe(request('rollback_to', '2.0.0', '1.0.0'))).toContain('then stop 2.0.0');
    const back = await provider.perform(request('rollback_to', '2.0.0', '1.0.0'));
    expect(back.summary).toBe('1.0.0 is running on port 19381 and healthy; stopped 2.0.0');
    expect(await versionAt(19_382)).toBeUndefined();
    expect(await versionAt(19_381)).toBe('1.0.0');
  });

  it('fails with the reason when a version never becomes healthy', async () => {
    const broken = new ProcessProvider({ kind: 'process', command: 'exit 4', port: 19_390, health: '/health' });
    await expect(broken.perform(request('deploy', '3.0.0'))).rejects.toThrow(/3.0.0 exited with code 4 before it was healthy/);
    expect(broken.versions()).toEqual({});
  });
});

describe('process provider across a ripcord restart', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'ripcord-process-state-'));
  const config = { kind: 'process' as const, command: `exec ${process.execPath} ${resolve('examples/quickstart/app.mjs')}`, port: 19_420, health: '/health' };
  let second: ProcessProvider | undefined;
  afterAll(async () => second?.stopAll());

  it('leaves the running version up on shutdown, adopts it on the next start, and can still switch and stop it', async () => {
    const first = new ProcessProvider(config, { stateDir });
    await first.perform(request('deploy', '1.0.0'));
    await first.close();
    // The service keeps answering while ripcord is down.
    expect(await versionAt(19_420)).toBe('1.0.0');

    second = new ProcessProvider(config, { stateDir });
    expect(second.versions()).toEqual({ '1.0.0': 19_420 });
    // The same step again (a resumed plan) answers from the journal on disk and starts nothing.
    expect((await second.perform(request('deploy', '1.0.0'))).summary).toBe('1.0.0 is running on port 19420 and healthy');
    const switched = await second.perform(request('deploy', '2.0.0'));
    expect(switched.summary).toBe('2.0.0 is running on port 19421 and healthy; stopped 1.0.0');
    expect(await versionAt(19_420)).toBeUndefined();
    expect(await versionAt(19_421)).toBe('2.0.0');
  });
});

describe('process provider and the shared contract', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-process-contract-'));
  const starts = join(dir, 'starts.log');
  let next = 0;
  // Each start appends a line before the app runs: the side effect, counted from outside the provider.
  const contractProvider = new ProcessProvider({ kind: 'process', command: `echo "$VERSION" >> ${starts}; exec ${process.execPath} ${resolve('examples/quickstart/app.mjs')}`, port: 19_400, health: '/health' });
  afterAll(() => contractProvider.stopAll());
  runProviderContract('process', () => ({
    provider: contractProvider,
    request: () => ({ action: 'start', params: {}, release: contractRelease({ version: `9.0.${next++}` }), target: contractTarget() }),
    effects: async () => (existsSync(starts) ? readFileSync(starts, 'utf8').trim().split('\n').filter(Boolean).length : 0),
    // A rollback with nowhere to go; the release's artifact URL carries a registry credential the error must not show.
    failure: () => ({ secret: 'proc-tok-51d0e2', request: { action: 'rollback_to', params: {}, release: contractRelease({ artifact: 'https://ci:proc-tok-51d0e2@registry.example.com/app:2' }) } }),
    cleanup: async () => {
      for (const version of Object.keys(contractProvider.versions())) await contractProvider.perform({ action: 'stop', params: {}, release: contractRelease({ version }), idempotencyKey: `cleanup-${version}-${next++}`, signal: new AbortController().signal, log: () => undefined });
      writeFileSync(starts, '');
    },
  }));
});
