import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contractRelease, contractTarget, runProviderContract } from '../provider-contract.js';
import type { StepRequest } from '../provider.js';
import { FakeNetlifyApi } from './fake-netlify-api.js';
import { NetlifyProvider } from './netlify-provider.js';

const dirs: string[] = [];
const fakes: FakeNetlifyApi[] = [];
afterAll(async () => {
  for (const fake of fakes) await fake.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const TOKEN = 'ntl-test-token-abcdef123456';

async function platform(completionMs = 30, config: Record<string, unknown> = {}) {
  const fake = new FakeNetlifyApi({ token: TOKEN, completionMs });
  fakes.push(fake);
  const api = await fake.listen();
  const good = fake.deploy('1.0.0');
  const bad = fake.deploy('2.0.0');
  const stateDir = mkdtempSync(join(tmpdir(), 'ripcord-netlify-'));
  dirs.push(stateDir);
  const provider = new NetlifyProvider({ kind: 'netlify', site: fake.siteId, token: TOKEN, api, poll: 10, wait: 5_000, ...config } as never, { stateDir });
  return { fake, api, provider, good, bad, stateDir };
}

const step = (over: Partial<StepRequest>): StepRequest => ({ action: 'restore', params: {}, release: contractRelease(), idempotencyKey: `k-${Math.random()}`, signal: new AbortController().signal, log: () => {}, ...over });

runProviderContract('netlify', async () => {
  const { fake, provider, good, bad } = await platform();
  let next = 0;
  return {
    provider,
    request: () => {
      const to = next++ % 2 ? bad : good;
      return { action: 'restore', params: {}, release: contractRelease(), target: contractTarget({ version: to.version, providerDeploymentId: to.id }) };
    },
    describeRequests: () => ['rollback', 'lock', 'unlock', 'snapshot'].map((action) => ({ action, params: {}, release: contractRelease() })),
    effects: async () => fake.count('POST', /\/restore$/, 201),
    failure: () => ({ secret: TOKEN, request: { action: 'restore', params: { deploy: 'no-such-deploy' }, release: contractRelease(), target: contractTarget() } }),
  };
});

describe('netlify provider against the fake Netlify API', () => {
  it('restores the target, succeeds only once published_deploy moved, then locks auto-publishing', async () => {
    const { fake, provider, good } = await platform(300);
    const result = await provider.perform(step({ target: contractTarget({ providerDeploymentId: good.id }) }));
    expect(fake.published).toBe(good.id);
    expect(result.details?.acceptedToCurrentMs).toBeGreaterThanOrEqual(250);
    expect(fake.current()?.locked).toBe(true);
    expect(result.summary).toContain('auto-publishing is LOCKED');
    // The next git push is built but not published over the restored deploy.
    fake.deploy('2.0.1');
    expect(fake.published).toBe(good.id);
  });

  it('unlock is the documented way back: the next push publishes again', async () => {
    const { fake, provider, good } = await platform();
    await provider.perform(step({ target: contractTarget({ providerDeploymentId: good.id }) }));
    const result = await provider.perform(step({ action: 'unlock' }));
    expect(result.summary).toContain('the next git push publishes again');
    const fix = fake.deploy('2.0.1');
    expect(fake.published).toBe(fix.id);
  });

  it('rollback (PUT /sites/{id}/rollback) goes to the previously published deploy and is verified', async () => {
    const { fake, provider, good } = await platform();
    const result = await provider.perform(step({ action: 'rollback' }));
    expect(fake.published).toBe(good.id);
    expect(result.details?.deployId).toBe(good.id);
    expect(fake.count('PUT', /\/rollback$/, 204)).toBe(1);
  });

  it('without a deploy id, restores the previous production deploy from the list', async () => {
    const { fake, provider, good } = await platform();
    await provider.perform(step({ target: contractTarget() }));
    expect(fake.published).toBe(good.id);
    expect(fake.count('GET', /\/deploys$/)).toBe(1);
  });

  it('the snapshot before a release is where its rollback goes, even after a deploy outside ripcord', async () => {
    const { fake, provider } = await platform();
    const snap = (await provider.perform(step({ action: 'snapshot' }))).snapshots?.[0];
    const before = fake.published;
    fake.deploy('3.0.0');
    await provider.perform(step({ release: contractRelease({ snapshots: [{ id: 's', releaseId: 'r', takenAt: '', kind: 'artifact_backup', reference: snap?.reference ?? '', details: snap?.details }] }), target: contractTarget() }));
    expect(fake.published).toBe(before);
  });

  it('a 429 is waited out by the client (X-RateLimit-Reset), then the restore happens once', async () => {
    const { fake, provider, good } = await platform();
    fake.failNext('POST', /\/restore$/, { status: 429, message: 'Rate limit exceeded', retryAfter: 1 });
    await provider.perform(step({ target: contractTarget({ providerDeploymentId: good.id }) }));
    expect(fake.count('POST', /\/restore$/, 429)).toBe(1);
    expect(fake.count('POST', /\/restore$/, 201)).toBe(1);
    expect(fake.published).toBe(good.id);
  });

  it('a 409 while another publish runs is waited out, then sent once more', async () => {
    const { fake, provider, good, bad, api } = await platform(200);
    await fetch(`${api}/sites/${fake.siteId}/deploys/${bad.id}/restore`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    await provider.perform(step({ target: contractTarget({ providerDeploymentId: good.id }) }));
    expect(fake.count('POST', /\/restore$/, 409)).toBeGreaterThanOrEqual(1);
    expect(fake.published).toBe(good.id);
  });

  it('a wrong token is a 401 said plainly, without the token; an unknown site a 404', async () => {
    const { fake, api, stateDir } = await platform();
    const wrong = new NetlifyProvider({ kind: 'netlify', site: fake.siteId, token: 'ntl-wrong-token-000111', api } as never, { stateDir: join(stateDir, 'w') });
    const error = (await wrong.perform(step({ target: contractTarget({ providerDeploymentId: 'x' }) })).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/refused \(Netlify answered 401: Access Denied: Invalid token\): the token in provider.token needs access to site/);
    expect(error.message).not.toContain('ntl-wrong-token-000111');
    const missing = new NetlifyProvider({ kind: 'netlify', site: 'nope', token: TOKEN, api } as never, { stateDir: join(stateDir, 'm') });
    await expect(missing.perform(step({ target: contractTarget({ providerDeploymentId: 'x' }) }))).rejects.toThrow(/Netlify answered 404: Not Found \(site nope/);
  });

  it('a publish that never lands fails the step, says nothing was locked, and leaves the site as it was', async () => {
    const { fake, provider, good, bad } = await platform(60_000, { wait: 200 });
    await expect(provider.perform(step({ target: contractTarget({ providerDeploymentId: good.id }) }))).rejects.toThrow(/still publishes .* nothing was locked/);
    expect(fake.published).toBe(bad.id);
    expect(fake.current()?.locked).toBe(false);
  });
});
