import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';

/** Browser apps on another origin may call what they need (OFREP, flag stream, banner, status) and nothing else. */
describe('CORS for browser apps', () => {
  let database: TestDatabase;
  let app: App;
  const APP_ORIGIN = 'https://app.example.com';

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const parsed = parseConfig('service: web\nenvironments:\n  production: {}\n', 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    app = await createApp({ ...database.options, config: parsed.config, adminToken: 'rcp_cors-test-admin-token-0000000', watchIntervalMs: 0, corsOrigins: [APP_ORIGIN], logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const preflight = (url: string, origin: string) =>
    app.server.inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });

  it('answers the preflight of an OFREP evaluation from an allowed origin, exposing ETag', async () => {
    const answer = await preflight('/ofrep/v1/evaluate/flags', APP_ORIGIN);
    expect(answer.statusCode).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(String(answer.headers['access-control-allow-headers'])).toContain('authorization');
    const banner = await app.server.inject({ method: 'GET', url: '/api/v1/environments/production/banner', headers: { origin: APP_ORIGIN } });
    expect(banner.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
  });

  it('gives other origins and the rest of the API nothing', async () => {
    expect((await preflight('/ofrep/v1/evaluate/flags', 'https://evil.example.com')).headers['access-control-allow-origin']).toBeUndefined();
    const releases = await app.server.inject({ method: 'GET', url: '/api/v1/releases', headers: { origin: APP_ORIGIN } });
    expect(releases.headers['access-control-allow-origin']).toBeUndefined();
    expect((await preflight('/api/v1/tokens', APP_ORIGIN)).headers['access-control-allow-origin']).toBeUndefined();
  });
});
