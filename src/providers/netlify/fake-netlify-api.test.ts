import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenApiSchema, refResolver, schemaProblems } from '../../test-support/openapi-shape.js';
import { FakeNetlifyApi } from './fake-netlify-api.js';

/** Netlify's own OpenAPI (Swagger 2.0) document, as its @netlify/open-api package ships it. */
const swagger = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@netlify/open-api/dist/swagger.json'), 'utf8')) as {
  paths: Record<string, Record<string, { operationId?: string; responses: Record<string, { schema?: OpenApiSchema }> }>>;
};
const resolve = refResolver(swagger as never);
function responseSchema(operationId: string, status: string): OpenApiSchema {
  for (const item of Object.values(swagger.paths)) {
    for (const operation of Object.values(item)) if (operation.operationId === operationId) return operation.responses[status]?.schema ?? (operation.responses.default?.schema as OpenApiSchema);
  }
  throw new Error(`no operation ${operationId}`);
}

describe('fake Netlify API against Netlify\'s published OpenAPI document', () => {
  const fake = new FakeNetlifyApi({ token: 'ntl-fake-token', completionMs: 60_000 });
  let base = '';
  const call = async (method: string, path: string) => {
    const response = await fetch(`${base}${path}`, { method, headers: { authorization: 'Bearer ntl-fake-token' } });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  beforeAll(async () => {
    base = await fake.listen();
    fake.deploy('1.0.0');
    fake.deploy('2.0.0');
  });
  afterAll(() => fake.close());

  it('every success body matches its operation\'s response schema, with no field the document lacks', async () => {
    const checks: [string, string, string, string][] = [
      ['getSite', '200', 'GET', `/sites/${fake.siteId}`],
      ['listSiteDeploys', '200', 'GET', `/sites/${fake.siteId}/deploys?production=true&page=1&per_page=1`],
      ['lockDeploy', '200', 'POST', `/deploys/${fake.deploys[0]?.id}/lock`],
      ['unlockDeploy', '200', 'POST', `/deploys/${fake.deploys[0]?.id}/unlock`],
      ['restoreSiteDeploy', '201', 'POST', `/sites/${fake.siteId}/deploys/${fake.deploys[1]?.id}/restore`],
    ];
    for (const [operation, status, method, path] of checks) {
      const { status: got, body } = await call(method, path);
      expect(String(got), operation).toBe(status);
      expect(schemaProblems(body, responseSchema(operation, status), resolve), operation).toEqual([]);
    }
  });

  it('error bodies match the document\'s default error schema: 401, 404, 409', async () => {
    const unauthorized = await fetch(`${base}/sites/${fake.siteId}`);
    expect(unauthorized.status).toBe(401);
    expect(schemaProblems(await unauthorized.json(), responseSchema('getSite', 'default'), resolve)).toEqual([]);
    const missing = await call('GET', '/sites/nope');
    expect(missing.status).toBe(404);
    expect(schemaProblems(missing.body, responseSchema('getSite', 'default'), resolve)).toEqual([]);
    // A restore is still publishing (completionMs is long here): a second one conflicts.
    const conflict = await call('POST', `/sites/${fake.siteId}/deploys/${fake.deploys[0]?.id}/restore`);
    expect(conflict.status).toBe(409);
    expect(schemaProblems(conflict.body, responseSchema('restoreSiteDeploy', 'default'), resolve)).toEqual([]);
  });

  it('the check fails on a field Netlify does not document', async () => {
    const { body } = await call('GET', `/sites/${fake.siteId}`);
    expect(schemaProblems({ ...(body as object), published_version: '2.0.0' }, responseSchema('getSite', '200'), resolve)).toEqual(['$.published_version: not in the published schema']);
  });
});
