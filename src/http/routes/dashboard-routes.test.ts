import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp, listen } from '../../app.js';
import { createLogger } from '../../logger.js';
import { until } from '../../test-support/until.js';
import { createTestDatabase, type TestDatabase } from '../../test-support/databases.js';

const ADMIN = 'rcp_dashboard-routes-test-admin-0123456789';

/** Serving the built dashboard and the live event stream, through the real server. */
describe('dashboard routes', () => {
  let database: TestDatabase;
  let app: App;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ripcord-dashboard-files-'));
    mkdirSync(join(dir, 'ignored-folder'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>ripcord</title><script type="module" src="/dashboard/index-AbCdEf12.js"></script>');
    writeFileSync(join(dir, 'index-AbCdEf12.js'), 'console.log(1)');
    process.env.RIPCORD_DASHBOARD_DIR = dir;
    database = await createTestDatabase('sqlite');
    app = await createApp({ ...database.options, adminToken: ADMIN, watchIntervalMs: 0, logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
    delete process.env.RIPCORD_DASHBOARD_DIR;
  });

  it('serves the page and its hashed assets with a self-only CSP, and nothing else', async () => {
    const page = await app.server.inject({ method: 'GET', url: '/dashboard' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['cache-control']).toBe('no-cache');
    const script = await app.server.inject({ method: 'GET', url: '/dashboard/index-AbCdEf12.js' });
    expect(script.headers['content-type']).toContain('text/javascript');
    expect(script.headers['cache-control']).toContain('immutable');
    expect(script.body).toBe('console.log(1)');
    expect((await app.server.inject({ method: 'GET', url: '/dashboard/nope.js' })).statusCode).toBe(404);
    expect((await app.server.inject({ method: 'GET', url: '/dashboard/ignored-folder' })).statusCode).toBe(404);
    const traversal = await app.server.inject({ method: 'GET', url: '/dashboard/..%2F..%2Fpackage.json' });
    expect(traversal.statusCode).toBe(400);
    expect(traversal.json().error.message).toContain('params.file');
  });

  it('says who the token is, without its secret', async () => {
    const secret = (await app.server.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: `Bearer ${ADMIN}` }, payload: { name: 'support', role: 'viewer', environments: ['staging'] } })).json().secret as string;
    const me = await app.server.inject({ method: 'GET', url: '/api/v1/session', headers: { authorization: `Bearer ${secret}` } });
    expect(me.json()).toEqual({ name: 'support', role: 'viewer', environments: ['staging'] });
    expect(me.body).not.toContain(secret);
    expect((await app.server.inject({ method: 'GET', url: '/api/v1/session' })).statusCode).toBe(401);
  });

  it('streams domain events, only of the environments the token may see', async () => {
    const base = await listen(app, { host: '127.0.0.1', port: 0 });
    const secret = (await app.server.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: `Bearer ${ADMIN}` }, payload: { name: 'staging-only', role: 'viewer', environments: ['staging'] } })).json().secret as string;
    const controller = new AbortController();
    const response = await fetch(`${base}/api/v1/events/stream`, { headers: { authorization: `Bearer ${secret}` }, signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    })();
    await until(() => text.includes(': connected'), 'the stream to open');
    await app.ledger.record({ service: 'web', environment: 'production', version: '9.9.9' }, 'ci');
    await app.ledger.record({ service: 'web', environment: 'staging', version: '1.2.3' }, 'ci');
    await until(() => text.includes('1.2.3'), 'the staging event');
    controller.abort();
    expect(text).toMatch(/event: release\.recorded\ndata: \{[^\n]*"environment":"staging"[^\n]*"version":"1\.2\.3"/);
    expect(text).not.toContain('9.9.9');
  });
});

describe('dashboard routes without a build', () => {
  it('answers 503 with the command that builds it', async () => {
    const database = await createTestDatabase('sqlite');
    process.env.RIPCORD_DASHBOARD_DIR = join(tmpdir(), 'ripcord-no-such-dashboard');
    const app = await createApp({ ...database.options, adminToken: ADMIN, watchIntervalMs: 0, logger: createLogger({ level: 'silent' }) });
    try {
      const page = await app.server.inject({ method: 'GET', url: '/dashboard' });
      expect(page.statusCode).toBe(503);
      expect(page.json().error.message).toContain('run npm run build:web');
    } finally {
      delete process.env.RIPCORD_DASHBOARD_DIR;
      await app.close();
      await database.drop();
    }
  });
});
