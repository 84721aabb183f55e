import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger } from '../deployments/ledger.js';
import { KyselyLedgerRepository } from '../store/kysely-ledger-repository.js';
import { openStore, type Store } from '../store/open-store.js';
import { parseConfig } from '../config/load-config.js';
import { runDeploySync, syncDeployments } from './deploy-sync.js';
import { MemoryProvider } from './memory/memory-provider.js';
import { FakeVercelApi } from './vercel/fake-vercel-api.js';
import { VercelProvider } from './vercel/vercel-provider.js';

const dirs: string[] = [];
const stores: Store[] = [];
const fakes: FakeVercelApi[] = [];
afterAll(async () => {
  for (const fake of fakes) await fake.close();
  for (const store of stores) await store.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-sync-'));
  dirs.push(dir);
  const store = await openStore({ dataDir: join(dir, 'store') });
  stores.push(store);
  const ledger = new Ledger(new KyselyLedgerRepository(store.db));
  const fake = new FakeVercelApi({ token: 'sync-token-123456', completionMs: 10 });
  fakes.push(fake);
  const api = await fake.listen();
  const provider = new VercelProvider({ kind: 'vercel', project: 'web', token: 'sync-token-123456', api } as never, { stateDir: join(dir, 'state') });
  const access = { list: (f: { service: string; environment: string; limit: number; cursor?: string }) => ledger.list(f), record: (input: Parameters<Ledger['record']>[0]) => ledger.record(input, 'sync') };
  return { ledger, fake, provider, access, api };
}

describe('ripcord deploy sync', () => {
  it('records, oldest first, the platform deployments the ledger lacks, with commit and author; a second sync records nothing', async () => {
    const { ledger, fake, provider, access } = await setup();
    const first = fake.deploy('1.0.0', 'aaa111', 'ana');
    await ledger.record({ service: 'web', environment: 'production', version: '1.0.0', providerDeploymentId: first.uid }, 'ci');
    const second = fake.deploy('1.1.0', 'bbb222', 'bo');
    const third = fake.deploy('1.2.0', 'ccc333', 'cy');
    const result = await syncDeployments({ provider, ledger: access, service: 'web', environment: 'production' });
    expect(result.known).toBe(1);
    expect(result.recorded.map((r) => [r.deploymentId, r.commit, r.author])).toEqual([
      [second.uid, 'bbb222', 'bo'],
      [third.uid, 'ccc333', 'cy'],
    ]);
    const page = await ledger.list({ service: 'web', environment: 'production' });
    const live = page.releases.find((r) => r.status === 'live');
    expect(live?.providerDeploymentId).toBe(third.uid);
    expect(live?.deployedBy).toBe('cy');
    expect(live?.commit).toBe('ccc333');
    const again = await syncDeployments({ provider, ledger: access, service: 'web', environment: 'production' });
    expect(again.recorded).toEqual([]);
    expect(again.known).toBe(3);
    expect(again.current).toBe(third.uid);
    expect(again.currentIsNotNewest).toBe(false);
  });

  it('from ripcord.yaml: builds the environment\'s provider and says what it recorded, in words', async () => {
    const { fake, access, api } = await setup();
    const only = fake.deploy('1.0.0', 'aaa111', 'ana');
    const parsed = parseConfig(`service: web\nenvironments:\n  production:\n    provider: { kind: vercel, project: web, token: sync-token-123456, api: '${api}' }\n`, 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-sync-cli-'));
    dirs.push(dir);
    const result = await runDeploySync(parsed.config, 'production', access, dir);
    expect(result.lines).toEqual([`recorded aaa111 (${only.uid}, by ana) as ${result.recorded[0]?.releaseId}`, `1 recorded, 0 already in the ledger; vercel serves ${only.uid} now`]);
    await expect(runDeploySync(parsed.config, 'staging', access, dir)).rejects.toThrow('environments.staging.provider is not in ripcord.yaml (environments: production)');
  });

  it('refuses a provider that cannot list deployments, by name', async () => {
    const { access } = await setup();
    await expect(syncDeployments({ provider: new MemoryProvider(), ledger: access, service: 'web', environment: 'production' })).rejects.toThrow(/the memory provider of production cannot list deployments/);
  });
});
