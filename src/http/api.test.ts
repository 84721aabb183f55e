import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';

const SECRET = 'hooks-slack-secret-value-42';
const logLines: string[] = [];
const logSink = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

describe('HTTP API', () => {
  let database: TestDatabase;
  let app: App;
  let admin: string;
  let operator: string;
  let viewer: string;
  let stagingOnly: string;

  const call = async (method: string, url: string, token?: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await app.server.inject({
      method: method as 'GET',
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      payload: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.statusCode, body: response.body ? (response.headers['content-type']?.includes('json') ? response.json() : response.body) : undefined, headers: response.headers };
  };

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const parsed = parseConfig(
      `service: pulse-messages\nenvironments:\n  production:\n    notify: [ { slack: \${SLACK_URL} } ]\n  staging: {}\n`,
      'ripcord.yaml',
      { SLACK_URL: `http://127.0.0.1:9/services/${SECRET}` },
    );
    if (!parsed.ok) throw new Error('config should be valid');
    app = await createApp({ ...database.options, config: parsed.config, adminToken: 'rcp_test-admin-token-0123456789', logger: createLogger({ level: 'info', destination: logSink }) });
    admin = 'rcp_test-admin-token-0123456789';
    const make = async (name: string, role: string, environments?: string[]) => {
      const created = await call('POST', '/api/v1/tokens', admin, { name, role, ...(environments ? { environments } : {}) });
      expect(created.status).toBe(201);
      return (created.body as { secret: string }).secret;
    };
    operator = await make('ci-deployer', 'operator');
    viewer = await make('dashboard', 'viewer');
    stagingOnly = await make('staging-bot', 'operator', ['staging']);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('answers liveness and readiness without a token', async () => {
    expect(await call('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await call('GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', store: 'sqlite' } });
  });

  it('records a release (service from the config) and serves it back with its snapshots', async () => {
    const created = await call('POST', '/api/v1/releases', operator, {
      environment: 'production',
      version: 'v1.2.4',
      commit: '9f2c1e7',
      providerDeploymentId: 'dpl_8xK2',
      snapshots: [{ kind: 'database_backup', reference: 'backups/pre-v1.2.4.sql' }],
    });
    expect(created.status).toBe(201);
    const release = created.body as { id: string; service: string; deployedBy: string; status: string };
    expect(release).toMatchObject({ service: 'pulse-messages', deployedBy: 'ci-deployer', status: 'live' });
    const shown = await call('GET', `/api/v1/releases/${release.id}`, viewer);
    expect(shown.body).toMatchObject({ version: 'v1.2.4', snapshots: [{ kind: 'database_backup', reference: 'backups/pre-v1.2.4.sql' }], transitions: [{ from: null, to: 'live', actor: 'ci-deployer' }] });
    const verified = await call('POST', `/api/v1/releases/${release.id}/transitions`, operator, { status: 'verified', reason: 'smoke tests passed' });
    expect(verified.status).toBe(200);
    const good = await call('GET', '/api/v1/environments/production/last-known-good', viewer);
    expect(good.body).toMatchObject({ id: release.id });
    const status = await call('GET', '/api/v1/status', viewer);
    expect((status.body as { environments: { environment: string; current?: { version: string } }[] }).environments.map((e) => [e.environment, e.current?.version])).toEqual([
      ['production', 'v1.2.4'],
      ['staging', undefined],
    ]);
  });

  it('refuses without a token (401), with the wrong role (403), outside the token\'s environments (403)', async () => {
    const noToken = await call('POST', '/api/v1/releases', undefined, { environment: 'production', version: 'x' });
    expect(noToken.status).toBe(401);
    expect(noToken.headers['www-authenticate']).toBe('Bearer');
    expect((await call('GET', '/api/v1/releases', 'rcp_not-a-real-token-000000000')).status).toBe(401);
    const wrongRole = await call('POST', '/api/v1/releases', viewer, { environment: 'production', version: 'x' });
    expect(wrongRole).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await call('GET', '/api/v1/tokens', operator)).status).toBe(403);
    expect((await call('POST', '/api/v1/releases', stagingOnly, { environment: 'production', version: 'x' })).status).toBe(403);
    expect((await call('POST', '/api/v1/releases', stagingOnly, { environment: 'staging', version: 'x' })).status).toBe(201);
  });

  it('answers bad input with a 4xx naming the field, never a 500', async () => {
    const cases: [unknown, number, string][] = [
      ['{"environment": "production",', 400, 'body'],
      [{ environment: 'production' }, 400, 'body.version'],
      [{ environment: 'production', version: 42 }, 400, 'body.version'],
      [{ environment: 'production', version: 'v1', surprise: true }, 400, 'body.surprise'],
      [{ environment: 'Production!', version: 'v1' }, 400, 'body.environment'],
      [{ environment: 'production', version: 'v1', deployedAt: 'yesterday' }, 400, 'body.deployedAt'],
      [{ environment: 'production', version: 'x'.repeat(2_000_000) }, 413, 'body'],
    ];
    for (const [body, status, path] of cases) {
      const response = await call('POST', '/api/v1/releases', operator, body);
      expect(response.status, JSON.stringify(response.body).slice(0, 200)).toBe(status);
      expect((response.body as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path)).toContain(path);
    }
    expect((await call('GET', '/api/v1/releases?limit=0', viewer)).status).toBe(400);
    expect((await call('GET', '/api/v1/releases?cursor=garbage', viewer)).status).toBe(400);
    expect((await call('GET', '/api/v1/releases/rel_missing', viewer)).status).toBe(404);
    expect((await call('GET', '/api/v1/nothing-here', viewer)).status).toBe(404);
    expect((await call('POST', '/api/v1/releases', operator, 'plain text', { 'content-type': 'text/plain' })).status).toBe(400);
    expect((await call('POST', '/api/v1/releases', operator, '<release/>', { 'content-type': 'application/xml' })).status).toBe(415);
  });

  it('shows a token once, lists only prefixes, and audits every mutation with the token name', async () => {
    const list = await call('GET', '/api/v1/tokens', admin);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(operator);
    expect(text).toContain(operator.slice(0, 8));
    const audit = await call('GET', '/api/v1/audit?limit=100', admin);
    const entries = (audit.body as { entries: { actor: string; action: string }[] }).entries;
    expect(entries.some((e) => e.actor === 'ci-deployer' && e.action === 'release.recorded')).toBe(true);
    expect(entries.some((e) => e.actor === 'bootstrap-admin' && e.action === 'token.created')).toBe(true);
  });

  it('never shows a secret: config, logs and error messages are redacted', async () => {
    const config = await call('GET', '/api/v1/config', admin);
    expect(config.status).toBe(200);
    expect(JSON.stringify(config.body)).not.toContain(SECRET);
    expect(JSON.stringify(config.body)).toContain('[redacted]');
    expect(logLines.join('')).not.toContain(admin);
    expect(logLines.join('')).not.toContain(SECRET);
  });

  it('describes itself: OpenAPI from the validating schemas, Prometheus metrics', async () => {
    const doc = (await call('GET', '/api/v1/openapi.json')).body as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { required?: string[]; additionalProperties?: boolean } }> } }>> };
    expect(doc.openapi).toBe('3.1.0');
    const record = doc.paths['/api/v1/releases']?.post?.requestBody?.content['application/json']?.schema;
    expect(record?.required).toEqual(['environment', 'version']);
    expect(record?.additionalProperties).toBe(false);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/releases/{id}', '/api/v1/tokens/{id}', '/healthz', '/metrics']));
    // Labels name every environment: Prometheus scrapes with a viewer token that has no environment limit.
    expect((await call('GET', '/metrics')).status).toBe(401);
    expect((await call('GET', '/metrics', stagingOnly)).status).toBe(403);
    const metrics = await call('GET', '/metrics', viewer);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/ripcord_releases_recorded_total\{service="pulse-messages",environment="production"\} 1/);
    expect(metrics.body).toMatch(/ripcord_http_requests_total\{method="POST",route="\/api\/v1\/releases",status="201"\}/);
  });
});
