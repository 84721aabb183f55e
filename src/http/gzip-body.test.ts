import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';

describe('gzip request bodies', () => {
  let database: TestDatabase;
  let app: App;
  let token: string;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const parsed = parseConfig('service: pulse\nenvironments:\n  production:\n    signals: { requests: { ingest: true } }\n', 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error('config');
    app = await createApp({ ...database.options, config: parsed.config, adminToken: 'rcp_test-admin-token-gzip-0123456789', watchIntervalMs: 0, logger: createLogger({ level: 'silent' }) });
    token = (await app.tokens.create({ name: 'app', role: 'ingest' }, 'test')).secret;
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });
  const post = (payload: Buffer | string, encoding?: string) =>
    app.server.inject({ method: 'POST', url: '/api/v1/ingest', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(encoding ? { 'content-encoding': encoding } : {}) }, payload });

  it('unzips gzip bodies and answers 400, not 500, to a body that is not gzip', async () => {
    const body = JSON.stringify({ environment: 'production', outcomes: [{ arm: 'canary', status: 200, latency_ms: 12 }] });
    expect((await post(gzipSync(body), 'gzip')).statusCode).toBe(202);
    const broken = await post('this is not gzip', 'gzip');
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('invalid_input');
    expect((await post(body)).statusCode).toBe(202);
  });

  it('refuses a small gzip body that unpacks beyond the body limit (no zip bombs)', async () => {
    const huge = gzipSync(Buffer.alloc(3 * 1024 * 1024, 32));
    expect(huge.length).toBeLessThan(20_000);
    expect((await post(huge, 'gzip')).statusCode).toBe(413);
  });
});
