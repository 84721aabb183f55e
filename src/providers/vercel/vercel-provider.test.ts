import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contractRelease, contractTarget, runProviderContract } from '../provider-contract.js';
import type { StepRequest } from '../provider.js';
import { FakeVercelApi, type FakeVercelOptions } from './fake-vercel-api.js';
import { VercelProvider } from './vercel-provider.js';

const dirs: string[] = [];
const fakes: FakeVercelApi[] = [];
afterAll(async () => {
  for (const fake of fakes) await fake.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const TOKEN = 'vrc-test-token-0123456789';

async function platform(options: Partial<FakeVercelOptions> = {}, config: Record<string, unknown> = {}) {
  const fake = new FakeVercelApi({ token: TOKEN, teamId: 'team_shop', completionMs: 30, ...options });
  fakes.push(fake);
  const api = await fake.listen();
  const good = fake.deploy('1.0.0', 'aaa111', 'ana');
  const bad = fake.deploy('2.0.0', 'bbb222', 'bo');
  const stateDir = mkdtempSync(join(tmpdir(), 'ripcord-vercel-'));
  dirs.push(stateDir);
  const provider = new VercelProvider({ kind: 'vercel', project: 'web', token: TOKEN, team: 'team_shop', api, poll: 10, wait: 5_000, ...config } as never, { stateDir });
  return { fake, api, provider, good, bad, stateDir };
}

const step = (over: Partial<StepRequest>): StepRequest => ({
  action: 'rollback',
  params: {},
  release: contractRelease(),
  idempotencyKey: `k-${Math.random()}`,
  signal: new AbortController().signal,
  log: () => {},
  ...over,
});

runProviderContract('vercel', async () => {
  const { fake, provider, good, bad } = await platform();
  let next = 0;
  return {
    provider,
    // Alternating targets, so every rollback really moves production (read back from the fake's project).
    request: () => {
      const to = next++ % 2 ? bad : good;
      return { action: 'rollback', params: {}, release: contractRelease(), target: contractTarget({ version: to.version, providerDeploymentId: to.uid }) };
    },
    describeRequests: () => [
      { action: 'promote', params: {}, release: contractRelease({ providerDeploymentId: bad.uid }) },
      { action: 'alias', params: { domain: 'app.example.com' }, release: contractRelease(), target: contractTarget({ providerDeploymentId: good.uid }) },
      { action: 'snapshot', params: {}, release: contractRelease() },
    ],
    effects: async () => fake.count('POST', /\/rollback\//, 201),
    // Vercel refuses a deployment it does not have; the step's idempotency description and the token must not leak.
    failure: () => ({ secret: TOKEN, request: { action: 'rollback', params: { deployment: 'dpl_missing' }, release: contractRelease(), target: contractTarget() } }),
  };
});

describe('vercel provider against the fake Vercel API', () => {
  it('succeeds only once production really serves the target (accepted is not done), scoped to the team', async () => {
    const { fake, provider, good } = await platform({ completionMs: 300 });
    const result = await provider.perform(step({ target: contractTarget({ providerDeploymentId: good.uid }) }));
    expect(fake.production).toBe(good.uid);
    expect(result.details?.acceptedToCurrentMs).toBeGreaterThanOrEqual(250);
    // After accepted, the project was read until it showed the target.
    const reads = fake.requests.filter((r) => r.method === 'GET' && r.path === '/v9/projects/web');
    expect(reads.length).toBeGreaterThan(2);
    expect(fake.requests.every((r) => r.query.teamId === 'team_shop')).toBe(true);
    expect(result.summary).toContain('does NOT auto-promote');
    expect(result.details?.autoPromotionPaused).toBe(true);
    expect(fake.autoAssignPaused).toBe(true);
  });

  it('without a target deployment id, rolls back to the previous production deployment read from the list', async () => {
    const { fake, provider, good } = await platform();
    await provider.perform(step({ target: contractTarget() }));
    expect(fake.production).toBe(good.uid);
    expect(fake.count('GET', /^\/v7\/deployments$/)).toBe(1);
  });

  it('a snapshot before a release notes production, and the rollback of that release goes exactly there', async () => {
    const { fake, provider, good } = await platform();
    const snap = await provider.perform(step({ action: 'snapshot' }));
    const [snapshot] = snap.snapshots ?? [];
    expect(snapshot?.reference).toBe(`vercel:${fake.projectId}/${fake.production}`);
    const before = fake.production;
    fake.deploy('3.0.0'); // shipped outside ripcord
    const release = contractRelease({ snapshots: [{ id: 's1', releaseId: 'r', takenAt: new Date().toISOString(), kind: 'artifact_backup', reference: snapshot?.reference ?? '', details: snapshot?.details }] });
    await provider.perform(step({ release, target: contractTarget() }));
    expect(fake.production).toBe(before);
    expect(before).not.toBe(good.uid);
  });

  it('promote undoes the paused auto-promotion and puts the fixed deployment live', async () => {
    const { fake, provider, good, bad } = await platform();
    await provider.perform(step({ target: contractTarget({ providerDeploymentId: good.uid }) }));
    const fix = fake.deploy('2.0.1');
    expect(fake.production).toBe(good.uid); // paused: the new deployment did not go live by itself
    const result = await provider.perform(step({ action: 'promote', release: contractRelease({ version: '2.0.1', providerDeploymentId: fix.uid }) }));
    expect(fake.production).toBe(fix.uid);
    expect(fake.autoAssignPaused).toBe(false);
    expect(result.summary).toContain('automatic production promotion is on again');
    expect(bad.uid).not.toBe(fix.uid);
  });

  it('aliases the domain to the target deployment (blue-green) and says what it left', async () => {
    const { fake, provider, good, bad } = await platform({}, { domain: 'app.example.com' });
    await provider.perform(step({ action: 'alias', target: contractTarget({ providerDeploymentId: bad.uid }) }));
    const back = await provider.perform(step({ action: 'alias', target: contractTarget({ providerDeploymentId: good.uid }) }));
    expect(fake.aliases.get('app.example.com')).toBe(good.uid);
    expect(back.summary).toBe(`pointed app.example.com at ${good.uid} (was ${bad.uid})`);
  });

  it('waits out a 429 as Retry-After says, then acts once', async () => {
    const { fake, provider, good } = await platform();
    fake.failNext('POST', /\/rollback\//, { status: 429, code: 'rate_limited', message: 'Too many requests', retryAfter: 1 });
    const started = Date.now();
    await provider.perform(step({ target: contractTarget({ providerDeploymentId: good.uid }) }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.count('POST', /\/rollback\//, 429)).toBe(1);
    expect(fake.count('POST', /\/rollback\//, 201)).toBe(1);
    expect(fake.production).toBe(good.uid);
  });

  it('on 409 (another job in progress) waits for that job, then sends the rollback once more', async () => {
    const { fake, provider, good, bad } = await platform({ completionMs: 200 });
    const promote = await fetch(`${(provider as unknown as { config: { api: string } }).config.api}/v10/projects/web/promote/${bad.uid}?teamId=team_shop`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(promote.status).toBe(201);
    await provider.perform(step({ target: contractTarget({ providerDeploymentId: good.uid }) }));
    expect(fake.count('POST', /\/rollback\//, 409)).toBe(1);
    expect(fake.count('POST', /\/rollback\//, 201)).toBe(1);
    expect(fake.production).toBe(good.uid);
  });

  it('says plainly when the Hobby plan refuses an older target, and changes nothing', async () => {
    const { fake, provider, good } = await platform({ plan: 'hobby' }, { plan: 'hobby' });
    fake.deploy('3.0.0');
    const current = fake.production;
    await expect(provider.perform(step({ target: contractTarget({ providerDeploymentId: good.uid }) }))).rejects.toThrow(/Hobby plan only the previous production deployment can be the rollback target; nothing was changed/);
    expect(fake.production).toBe(current);
    expect(provider.describe(step({ target: contractTarget({ providerDeploymentId: good.uid }) }))).toMatch(/Hobby plan/);
  });

  it('a wrong token or team is a clear refusal naming what to fix, without the token', async () => {
    const { api, stateDir } = await platform();
    const wrong = new VercelProvider({ kind: 'vercel', project: 'web', token: 'vrc-wrong-token-987654', team: 'team_other', api, poll: 10, wait: 1000 } as never, { stateDir: join(stateDir, 'wrong') });
    const error = (await wrong.perform(step({ target: contractTarget({ providerDeploymentId: 'dpl_x' }) })).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/refused \(Vercel answered 403 forbidden.*needs access to project web and team team_other; nothing was changed/);
    expect(error.message).not.toContain('vrc-wrong-token-987654');
  });

  it('an unknown project is a 404 said as such', async () => {
    const { api, stateDir } = await platform();
    const missing = new VercelProvider({ kind: 'vercel', project: 'nope', token: TOKEN, team: 'team_shop', api, poll: 10, wait: 1000 } as never, { stateDir: join(stateDir, 'missing') });
    await expect(missing.perform(step({ target: contractTarget({ providerDeploymentId: 'dpl_x' }) }))).rejects.toThrow(/404 not_found: Project not found \(project nope and team team_shop\)/);
  });

  it('a job that never completes fails the step with where production stands', async () => {
    const { fake, provider, good, bad } = await platform({ completionMs: 60_000 }, { wait: 200 });
    await expect(provider.perform(step({ target: contractTarget({ providerDeploymentId: good.uid }) }))).rejects.toThrow(new RegExp(`production still serves ${bad.uid} after 0s`));
    expect(fake.production).toBe(bad.uid);
  });
});
