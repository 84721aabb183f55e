import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenApiSchema, schemaProblems } from '../../test-support/openapi-shape.js';
import { FakeRenderApi } from './fake-render-api.js';

/**
 * Render's OpenAPI document is not on npm and could not be fetched here, so these schemas are a
 * transcription of the Deploy, Service and Error objects of Render's public API reference
 * (https://api-docs.render.com), limited to the fields ripcord's fake sends. Weaker than the Vercel and
 * Netlify checks (a transcription can be wrong), but it still fails on a field Render does not document.
 */
const DEPLOY_STATUS = ['created', 'queued', 'build_in_progress', 'update_in_progress', 'live', 'deactivated', 'build_failed', 'update_failed', 'canceled', 'pre_deploy_in_progress', 'pre_deploy_failed'];
const DEPLOY_TRIGGER = ['api', 'blueprint_sync', 'deploy_hook', 'deployed_by_render', 'manual', 'other', 'new_commit', 'rollback', 'service_resumed', 'service_updated'];
const deploy: OpenApiSchema = {
  type: 'object',
  required: ['id'],
  properties: {
    id: { type: 'string' },
    commit: { type: 'object', properties: { id: { type: 'string' }, message: { type: 'string' }, createdAt: { type: 'string' } } },
    image: { type: 'object', properties: { ref: { type: 'string' }, sha: { type: 'string' }, registryCredential: { type: 'string' } } },
    status: { type: 'string', enum: DEPLOY_STATUS },
    trigger: { type: 'string', enum: DEPLOY_TRIGGER },
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
};
const service: OpenApiSchema = {
  type: 'object',
  required: ['id', 'autoDeploy'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    type: { type: 'string', enum: ['static_site', 'web_service', 'private_service', 'background_worker', 'cron_job'] },
    autoDeploy: { type: 'string', enum: ['yes', 'no'] },
    branch: { type: 'string' },
    repo: { type: 'string' },
    suspended: { type: 'string', enum: ['suspended', 'not_suspended'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
};
const deployWithCursor: OpenApiSchema = { type: 'array', items: { type: 'object', properties: { deploy, cursor: { type: 'string' } } } };
const error: OpenApiSchema = { type: 'object', properties: { id: { type: 'string' }, message: { type: 'string' } } };
const none = () => ({});

describe('fake Render API against Render\'s documented objects', () => {
  const fake = new FakeRenderApi({ token: 'rnd-fake-key', completionMs: 60_000 });
  let base = '';
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, { method, headers: { authorization: 'Bearer rnd-fake-key', 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  beforeAll(async () => {
    base = await fake.listen();
    fake.deploy('1.0.0');
    fake.deploy('2.0.0');
  });
  afterAll(() => fake.close());

  it('service, deploy list (cursor paging), deploy and rollback bodies have only documented fields', async () => {
    expect(schemaProblems((await call('GET', `/services/${fake.serviceId}`)).body, service, none)).toEqual([]);
    expect(schemaProblems((await call('PATCH', `/services/${fake.serviceId}`, { autoDeploy: 'no' })).body, service, none)).toEqual([]);
    const first = await call('GET', `/services/${fake.serviceId}/deploys?limit=1`);
    expect(schemaProblems(first.body, deployWithCursor, none)).toEqual([]);
    const cursor = (first.body as { cursor: string }[])[0]?.cursor;
    const second = (await call('GET', `/services/${fake.serviceId}/deploys?limit=1&cursor=${cursor}`)).body as { deploy: { id: string } }[];
    expect(second.map((d) => d.deploy.id)).toEqual([fake.deploys[1]?.id]);
    const older = fake.deploys[1]?.id as string;
    expect(schemaProblems((await call('GET', `/services/${fake.serviceId}/deploys/${older}`)).body, deploy, none)).toEqual([]);
    const rollback = await call('POST', `/services/${fake.serviceId}/rollback`, { deployId: older });
    expect(rollback.status).toBe(201);
    expect(schemaProblems(rollback.body, deploy, none)).toEqual([]);
    expect(rollback.body).toMatchObject({ trigger: 'rollback', status: 'created' });
  });

  it('errors: 401, 404, 409 while a deploy is in progress, all as { id, message }', async () => {
    const unauthorized = await fetch(`${base}/services/${fake.serviceId}`);
    expect(unauthorized.status).toBe(401);
    expect(schemaProblems(await unauthorized.json(), error, none)).toEqual([]);
    const missing = await call('GET', '/services/srv-nope');
    expect(missing.status).toBe(404);
    const conflict = await call('POST', `/services/${fake.serviceId}/rollback`, { deployId: fake.deploys.at(-1)?.id });
    expect(conflict.status).toBe(409);
    expect(schemaProblems(conflict.body, error, none)).toEqual([]);
  });

  it('the check fails on a field Render does not document', async () => {
    const { body } = await call('GET', `/services/${fake.serviceId}`);
    expect(schemaProblems({ ...(body as object), liveDeployId: 'dep-x' }, service, none)).toEqual(['$.liveDeployId: not in the published schema']);
  });
});
