import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contractRelease, contractTarget, runProviderContract } from '../provider-contract.js';
import type { StepRequest } from '../provider.js';
import { FakeRenderApi } from './fake-render-api.js';
import { RenderProvider } from './render-provider.js';

const dirs: string[] = [];
const fakes: FakeRenderApi[] = [];
afterAll(async () => {
  for (const fake of fakes) await fake.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const TOKEN = 'rnd-test-key-5566778899';

async function platform(completionMs = 40, config: Record<string, unknown> = {}) {
  const fake = new FakeRenderApi({ token: TOKEN, completionMs });
  fakes.push(fake);
  const api = await fake.listen();
  const good = fake.deploy('1.0.0');
  const bad = fake.deploy('2.0.0');
  const stateDir = mkdtempSync(join(tmpdir(), 'ripcord-render-'));
  dirs.push(stateDir);
  const provider = new RenderProvider({ kind: 'render', service: fake.serviceId, token: TOKEN, api, poll: 10, wait: 5_000, ...config } as never, { stateDir });
  return { fake, api, provider, good, bad, stateDir };
}
const step = (over: Partial<StepRequest>): StepRequest => ({ action: 'rollback', params: {}, release: contractRelease(), idempotencyKey: `k-${Math.random()}`, signal: new AbortController().signal, log: () => {}, ...over });

runProviderContract('render', async () => {
  const { fake, provider, good, bad } = await platform();
  let next = 0;
  return {
    provider,
    request: () => {
      const to = next++ % 2 ? bad : good;
      return { action: 'rollback', params: {}, release: contractRelease(), target: contractTarget({ version: to.version, providerDeploymentId: to.id }) };
    },
    describeRequests: () => ['auto_deploy_on', 'auto_deploy_off', 'snapshot'].map((action) => ({ action, params: {}, release: contractRelease() })),
    effects: async () => fake.count('POST', /\/rollback$/, 201),
    failure: () => ({ secret: TOKEN, request: { action: 'rollback', params: { deploy: 'dep-missing' }, release: contractRelease(), target: contractTarget() } }),
  };
});

describe('render provider against the fake Render API', () => {
  it('waits until the new deploy is live, then turns auto-deploy off and says how to turn it back on', async () => {
    const { fake, provider, good } = await platform(300);
    const result = await provider.perform(step({ target: contractTarget({ providerDeploymentId: good.id }) }));
    expect(fake.live()?.version).toBe('1.0.0');
    expect(fake.live()?.trigger).toBe('rollback');
    expect(result.details?.acceptedToCurrentMs).toBeGreaterThanOrEqual(250);
    expect(fake.autoDeploy).toBe('no');
    expect(result.summary).toContain('auto-deploy is now OFF');
    expect(result.summary).toContain('auto_deploy_on');
    const on = await provider.perform(step({ action: 'auto_deploy_on' }));
    expect(on.summary).toBe(`auto-deploy is on for ${fake.serviceId}`);
    expect(fake.autoDeploy).toBe('yes');
  });

  it('without a deploy id, rolls back to the deploy that was live before', async () => {
    const { fake, provider } = await platform();
    await provider.perform(step({ target: contractTarget() }));
    expect(fake.live()?.version).toBe('1.0.0');
  });

  it('a rollback deploy that fails is a failed step with Render\'s status, and auto-deploy is left alone', async () => {
    const { fake, provider, good, bad } = await platform();
    fake.failRollbacks = true;
    await expect(provider.perform(step({ target: contractTarget({ providerDeploymentId: good.id }) }))).rejects.toThrow(new RegExp(`ended update_failed, as Render reports it; ${bad.id} still serves; auto-deploy was not changed`));
    expect(fake.live()?.id).toBe(bad.id);
    expect(fake.autoDeploy).toBe('yes');
  });

  it('waits out a 429 (Retry-After), then rolls back once', async () => {
    const { fake, provider, good } = await platform();
    fake.failNext('POST', /\/rollback$/, { status: 429, message: 'rate limit exceeded', retryAfter: 1 });
    await provider.perform(step({ target: contractTarget({ providerDeploymentId: good.id }) }));
    expect(fake.count('POST', /\/rollback$/, 429)).toBe(1);
    expect(fake.count('POST', /\/rollback$/, 201)).toBe(1);
  });

  it('a 409 (a deploy in progress) is said plainly and changes nothing', async () => {
    const { fake, provider, good, bad, api } = await platform(60_000);
    await fetch(`${api}/services/${fake.serviceId}/rollback`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ deployId: bad.id }) });
    await expect(provider.perform(step({ target: contractTarget({ providerDeploymentId: good.id }) }))).rejects.toThrow(/Render answered 409: a deploy is already in progress.*retry once it finishes/);
    expect(fake.autoDeploy).toBe('yes');
  });

  it('a wrong key is a 401 without the key; an unknown service a 404', async () => {
    const { fake, api, stateDir } = await platform();
    const wrong = new RenderProvider({ kind: 'render', service: fake.serviceId, token: 'rnd-wrong-key-112233', api } as never, { stateDir: join(stateDir, 'w') });
    const error = (await wrong.perform(step({ target: contractTarget() })).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/refused \(Render answered 401: unauthorized\): the API key in provider.token needs access/);
    expect(error.message).not.toContain('rnd-wrong-key-112233');
    const missing = new RenderProvider({ kind: 'render', service: 'srv-nope', token: TOKEN, api } as never, { stateDir: join(stateDir, 'm') });
    await expect(missing.perform(step({ target: contractTarget() }))).rejects.toThrow(/Render answered 404: service not found \(service srv-nope\)/);
  });
});
