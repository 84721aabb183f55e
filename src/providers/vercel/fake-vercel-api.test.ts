import { AssignAliasResponseBody$inboundSchema } from '@vercel/sdk/models/assignaliasop.js';
import { GetDeploymentsResponseBody$inboundSchema } from '@vercel/sdk/models/getdeploymentsop.js';
import { GetProjectResponseBody$inboundSchema } from '@vercel/sdk/models/getprojectresponsebody.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeVercelApi } from './fake-vercel-api.js';

/**
 * The fake is checked against Vercel's own response models, the zod schemas shipped in @vercel/sdk.
 * Those schemas drop fields they do not know, so "parses to itself" means: every field the fake
 * sends is one Vercel documents, with the documented type; a made-up field fails the test.
 */
function expectVercelShape(schema: { safeParse(value: unknown): { success: boolean; data?: unknown; error?: unknown } }, body: unknown): void {
  const parsed = schema.safeParse(body);
  expect(parsed.success, JSON.stringify(parsed.error)).toBe(true);
  expect(JSON.parse(JSON.stringify(parsed.data))).toEqual(body);
}

describe('fake Vercel API against @vercel/sdk response models', () => {
  const fake = new FakeVercelApi({ token: 'vercel-fake-token', teamId: 'team_abc', completionMs: 60_000 });
  let base = '';
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`, { headers: { authorization: 'Bearer vercel-fake-token' } });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  beforeAll(async () => {
    base = await fake.listen();
    fake.deploy('1.0.0');
    fake.deploy('2.0.0');
  });
  afterAll(() => fake.close());

  it('GET /v9/projects/{id} is a GetProjectResponseBody, before and after a rollback job', async () => {
    const before = await get(`/v9/projects/${fake.projectId}?teamId=team_abc`);
    expect(before.status).toBe(200);
    expectVercelShape(GetProjectResponseBody$inboundSchema, before.body);
    const previous = fake.deployments[1]?.uid as string;
    const rollback = await fetch(`${base}/v1/projects/${fake.projectId}/rollback/${previous}?teamId=team_abc`, { method: 'POST', headers: { authorization: 'Bearer vercel-fake-token' } });
    expect(rollback.status).toBe(201);
    const during = await get(`/v9/projects/${fake.projectId}?teamId=team_abc`);
    expectVercelShape(GetProjectResponseBody$inboundSchema, during.body);
    expect((during.body as { lastAliasRequest: { jobStatus: string } }).lastAliasRequest.jobStatus).toBe('in-progress');
  });

  it('GET /v6/deployments is a GetDeploymentsResponseBody, paged with until', async () => {
    fake.deploy('3.0.0');
    const first = await get(`/v6/deployments?projectId=${fake.projectId}&target=production&limit=2&teamId=team_abc`);
    expectVercelShape(GetDeploymentsResponseBody$inboundSchema, first.body);
    const page = first.body as { deployments: { uid: string }[]; pagination: { next: number | null } };
    expect(page.deployments).toHaveLength(2);
    expect(page.pagination.next).not.toBeNull();
    const second = await get(`/v6/deployments?projectId=${fake.projectId}&target=production&limit=2&until=${page.pagination.next}&teamId=team_abc`);
    expectVercelShape(GetDeploymentsResponseBody$inboundSchema, second.body);
    const rest = second.body as { deployments: { uid: string }[]; pagination: { next: number | null } };
    expect(rest.deployments.map((d) => d.uid)).toEqual([fake.deployments[2]?.uid]);
    expect(rest.pagination.next).toBeNull();
  });

  it('POST /v2/deployments/{id}/aliases is an AssignAliasResponseBody', async () => {
    const response = await fetch(`${base}/v2/deployments/${fake.deployments[0]?.uid}/aliases?teamId=team_abc`, {
      method: 'POST',
      headers: { authorization: 'Bearer vercel-fake-token', 'content-type': 'application/json' },
      body: JSON.stringify({ alias: 'app.example.com' }),
    });
    expect(response.status).toBe(200);
    expectVercelShape(AssignAliasResponseBody$inboundSchema, await response.json());
  });

  it('a field Vercel does not document fails the check (the check can fail)', async () => {
    const { body } = await get(`/v9/projects/${fake.projectId}?teamId=team_abc`);
    expect(() => expectVercelShape(GetProjectResponseBody$inboundSchema, { ...(body as object), productionDeploymentId: 'dpl_x' })).toThrow();
  });

  it('refuses like Vercel: 401 without a token, 403 for a wrong token or another team, 404 for an unknown project', async () => {
    expect((await fetch(`${base}/v9/projects/${fake.projectId}`)).status).toBe(401);
    expect((await fetch(`${base}/v9/projects/${fake.projectId}`, { headers: { authorization: 'Bearer nope' } })).status).toBe(403);
    expect((await get(`/v9/projects/${fake.projectId}?teamId=team_other`)).status).toBe(403);
    const missing = await get('/v9/projects/prj_missing?teamId=team_abc');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: 'not_found', message: 'Project not found' } });
  });
});
