import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../deployments/release.js';
import type { StepRequest, StepResult } from '../provider.js';
import { contractRelease, runProviderContract } from '../provider-contract.js';
import { ConfigProvider } from './config-provider.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-config-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const request = (over: Partial<StepRequest>): StepRequest => ({
  action: 'snapshot',
  params: {},
  release: contractRelease(),
  idempotencyKey: `k-${Math.random()}`,
  signal: new AbortController().signal,
  log: () => {},
  ...over,
});

const toSnapshot = (result: StepResult): Snapshot => {
  const input = result.snapshots?.[0];
  if (!input) throw new Error('no snapshot returned');
  return { id: 'snap', releaseId: 'rel', kind: input.kind, reference: input.reference, checksum: input.checksum, details: input.details, takenAt: input.takenAt ?? '' };
};

const PRODUCTION_ENV = 'DATABASE_URL=postgres://app:hunter2-db-pass@db/prod\nAPI_URL=https://api.example.com\nFEATURE_NEW=false\n# comment\nexport REGION=eu\n';

runProviderContract('config', () => {
  const app = tempDir();
  writeFileSync(join(app, '.env.production'), PRODUCTION_ENV);
  const snapshots = join(app, 'snapshots');
  const provider = new ConfigProvider({ files: ['.env.production'], base_dir: app, snapshots }, { stateDir: join(app, 'state') });
  return {
    provider,
    request: () => ({ action: 'snapshot', params: {}, release: contractRelease() }),
    describeRequests: () => [{ action: 'restore', params: {}, release: contractRelease() }],
    effects: async () => {
      try {
        return readdirSync(snapshots).length;
      } catch {
        return 0;
      }
    },
    failure: () => ({
      secret: 'hunter2-db-pass',
      request: { action: 'restore', params: { snapshot: join(app, 'no-such-manifest.json') }, release: contractRelease() },
    }),
  };
});

describe('config provider', () => {
  it('snapshots with checksums and restores the old file, naming changed keys but never values', async () => {
    const app = tempDir();
    const file = join(app, '.env.production');
    writeFileSync(file, PRODUCTION_ENV, { mode: 0o640 });
    const provider = new ConfigProvider({ files: ['.env.production'], base_dir: app }, { stateDir: join(app, 'state') });
    const snap = await provider.perform(request({ action: 'snapshot' }));
    expect(snap.summary).toBe('snapshot of 1 config file(s): .env.production (4 keys)');
    expect(snap.snapshots?.[0]?.kind).toBe('config_snapshot');
    expect(snap.snapshots?.[0]?.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);

    // The bad release changes the database, adds a key and drops one.
    writeFileSync(file, 'DATABASE_URL=postgres://app:new-pass-999@db2/prod\nAPI_URL=https://api.example.com\nFEATURE_NEW=true\nNEW_KEY=1\n');
    const restored = await provider.perform(request({ action: 'restore', release: contractRelease({ snapshots: [toSnapshot(snap)] }) }));
    expect(readFileSync(file, 'utf8')).toBe(PRODUCTION_ENV);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(restored.summary).toMatch(/\.env\.production: 4 key\(s\) changed: DATABASE_URL, FEATURE_NEW, NEW_KEY, REGION/);
    const everything = JSON.stringify(restored) + JSON.stringify(snap);
    for (const value of ['hunter2-db-pass', 'new-pass-999', 'api.example.com', 'eu\\n']) expect(everything).not.toContain(value);
    expect(restored.details?.files).toEqual([{ path: '.env.production', changed: ['DATABASE_URL', 'FEATURE_NEW'], added: ['REGION'], removed: ['NEW_KEY'] }]);
  });

  it('refuses a snapshot whose copy was tampered with, and changes nothing', async () => {
    const app = tempDir();
    const file = join(app, '.env.production');
    writeFileSync(file, 'A=1\n');
    const provider = new ConfigProvider({ files: ['.env.production'], base_dir: app }, { stateDir: join(app, 'state') });
    const snap = await provider.perform(request({ action: 'snapshot' }));
    const manifest = JSON.parse(readFileSync(snap.snapshots?.[0]?.reference as string, 'utf8')) as { files: { copy: string }[] };
    writeFileSync(manifest.files[0]?.copy as string, 'A=evil\n');
    writeFileSync(file, 'A=2\n');
    await expect(provider.perform(request({ action: 'restore', release: contractRelease({ snapshots: [toSnapshot(snap)] }) }))).rejects.toThrow(
      /does not match its checksum; nothing was changed/,
    );
    expect(readFileSync(file, 'utf8')).toBe('A=2\n');
  });

  it('a file that did not exist at snapshot time is removed on restore', async () => {
    const app = tempDir();
    const provider = new ConfigProvider({ files: ['.env.local'], base_dir: app }, { stateDir: join(app, 'state') });
    const snap = await provider.perform(request({ action: 'snapshot' }));
    expect(snap.summary).toMatch(/\.env\.local \(absent\)/);
    writeFileSync(join(app, '.env.local'), 'DEBUG=1\n');
    const restored = await provider.perform(request({ action: 'restore', release: contractRelease({ snapshots: [toSnapshot(snap)] }) }));
    expect(() => statSync(join(app, '.env.local'))).toThrow();
    expect(restored.summary).toMatch(/1 key\(s\) changed: DEBUG/);
  });

  it('says clearly when the release has no config snapshot', async () => {
    const app = tempDir();
    const provider = new ConfigProvider({ files: ['.env'], base_dir: app }, { stateDir: join(app, 'state') });
    await expect(provider.perform(request({ action: 'restore' }))).rejects.toThrow(/has no config snapshot/);
  });
});
