import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp, listen } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';

const ADMIN = 'rcp_hardening-admin-token-000000000000';
const BOGUS = 'rcp_not-a-token-of-this-server-000000000';

/** Failed authentication is limited per address; long-lived streams are capped per token and overall. */
describe('a control plane under abuse', () => {
  let database: TestDatabase;
  let app: App;
  let url: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const parsed = parseConfig(`service: shop\nenvironments:\n  production:\n    flags: { f: { state: ENABLED, variants: { on: true }, defaultVariant: 'on' } }\n`, 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error('config');
    const destination = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    app = await createApp({
      ...database.options,
      config: parsed.config,
      adminToken: ADMIN,
      watchIntervalMs: 0,
      incidentTickMs: 0,
      authFailureLimit: 3,
      streamLimitPerToken: 2,
      streamLimit: 3,
      logger: createLogger({ level: 'info', destination }),
    });
    url = await listen(app, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('answers 429 with Retry-After past the failures allowed per address, counts and logs them, and never refuses a valid token', async () => {
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${url}/api/v1/status`, { headers: { authorization: `Bearer ${BOGUS}` } });
      statuses.push(response.status);
      retryAfter = response.headers.get('retry-after') ?? retryAfter;
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    // The same address with a good token is served.
    expect((await fetch(`${url}/api/v1/status`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    expect(metrics).toMatch(/ripcord_auth_failures_total\{reason="unknown_token"\} 5/);
    expect(metrics).toMatch(/ripcord_auth_rate_limited_total 2/);
    const logged = logLines.filter((line) => line.includes('authentication failed'));
    expect(logged).toHaveLength(3);
    expect(logged.join('')).toContain('127.0.0.1');
    expect(logLines.join('')).not.toContain(BOGUS);
  });

  it('caps open streams per token and overall with a clear 429, and frees a slot when a stream closes', async () => {
    const a = (await app.tokens.create({ name: 'browser-app', role: 'flags', environments: ['production'] }, 'test')).secret;
    const b = (await app.tokens.create({ name: 'other-app', role: 'flags', environments: ['production'] }, 'test')).secret;
    const open = async (secret: string) => {
      const controller = new AbortController();
      const response = await fetch(`${url}/api/v1/environments/production/flags/stream`, { headers: { authorization: `Bearer ${secret}` }, signal: controller.signal });
      return { response, close: () => controller.abort() };
    };
    const first = await open(a);
    const second = await open(a);
    expect([first.response.status, second.response.status]).toEqual([200, 200]);
    const third = await open(a);
    expect(third.response.status).toBe(429);
    expect(third.response.headers.get('retry-after')).toBe('5');
    expect(((await third.response.json()) as { error: { message: string } }).error.message).toContain('holds 2 open streams, the most one token may (2)');
    const other = await open(b);
    expect(other.response.status).toBe(200);
    const overall = await open(b);
    expect(overall.response.status).toBe(429);
    expect(((await overall.response.json()) as { error: { message: string } }).error.message).toContain('the most it takes (3)');
    first.close();
    // The slot frees when the server sees the connection close.
    const deadline = Date.now() + 5_000;
    let again = await open(a);
    while (again.response.status !== 200 && Date.now() < deadline) {
      await again.response.body?.cancel();
      await new Promise((r) => setTimeout(r, 20));
      again = await open(a);
    }
    expect(again.response.status).toBe(200);
    for (const stream of [second, other, again]) stream.close();
  });
});
