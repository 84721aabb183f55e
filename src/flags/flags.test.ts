import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp, listen } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createFlagsProvider } from '../providers/flags/flags-provider.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';

const ADMIN = 'rcp_flags-test-admin-token-000000';
const splitView = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' } as const;
const summaryModel = {
  state: 'ENABLED',
  variants: { small: 'gpt-small', large: 'gpt-large' },
  defaultVariant: 'small',
  targeting: { if: [{ '==': [{ var: 'plan' }, 'pro'] }, 'large', 'small'] },
} as const;

describe.each(DIALECTS)('flags on %s', (dialect) => {
  let database: TestDatabase;
  let app: App;
  let url: string;
  let operator: string;
  let appToken: string;
  let stagingToken: string;

  const call = async (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, headers: response.headers };
  };

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const parsed = parseConfig('service: pulse-messages\nenvironments:\n  production: {}\n  staging: {}\n', 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error('config');
    app = await createApp({ ...database.options, config: parsed.config, adminToken: ADMIN, watchIntervalMs: 0, logger: createLogger({ level: 'silent' }) });
    url = await listen(app, { host: '127.0.0.1', port: 0 });
    const token = async (name: string, role: string, environments?: string[]) =>
      ((await call('POST', '/api/v1/tokens', ADMIN, { name, role, ...(environments ? { environments } : {}) })).body as { secret: string }).secret;
    operator = await token('oncall', 'operator');
    appToken = await token('web-app', 'flags', ['production']);
    stagingToken = await token('staging-app', 'flags', ['staging']);
    expect((await call('PUT', '/api/v1/environments/production/flags/splitViewLayout?reason=launch', operator, splitView)).status).toBe(200);
    expect((await call('PUT', '/api/v1/environments/production/flags/aiSummarization', operator, { ...splitView })).status).toBe(200);
    expect((await call('PUT', '/api/v1/environments/production/flags/summaryModel', operator, summaryModel)).status).toBe(200);
  });
  afterAll(async () => {
    await OpenFeature.close();
    await app?.close();
    await database?.drop();
  });

  it('refuses a definition flagd could not evaluate, naming the field', async () => {
    const bad = await call('PUT', '/api/v1/environments/production/flags/broken', operator, { state: 'ENABLED', variants: { on: true }, defaultVariant: 'missing' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('body.defaultVariant');
  });

  it('evaluates through OFREP with flagd-core: targeting, disabled, unknown, ETag', async () => {
    const pro = await call('POST', '/ofrep/v1/evaluate/flags/summaryModel', appToken, { context: { targetingKey: 'u1', plan: 'pro' } });
    expect(pro).toMatchObject({ status: 200, body: { key: 'summaryModel', value: 'gpt-large', variant: 'large', reason: 'TARGETING_MATCH' } });
    const unknown = await call('POST', '/ofrep/v1/evaluate/flags/nope', appToken, { context: {} });
    expect(unknown).toMatchObject({ status: 404, body: { key: 'nope', errorCode: 'FLAG_NOT_FOUND' } });
    const bulk = await call('POST', '/ofrep/v1/evaluate/flags', appToken, { context: { plan: 'free' } });
    expect(bulk.status).toBe(200);
    expect(((bulk.body?.flags ?? []) as { key: string }[]).map((f) => f.key)).toEqual(['aiSummarization', 'splitViewLayout', 'summaryModel']);
    const etag = bulk.headers.get('etag') as string;
    expect((await call('POST', '/ofrep/v1/evaluate/flags', appToken, { context: { plan: 'free' } }, { 'if-none-match': etag })).status).toBe(304);
    expect((await call('POST', '/ofrep/v1/evaluate/flags', appToken, { context: { plan: 'pro' } }, { 'if-none-match': etag })).status).toBe(200);
    // Two contexts that share a long prefix and their length are still two answers, never a wrong 304.
    const long = (plan: string) => ({ context: { targetingKey: 'user-with-a-rather-long-identifier-0001', plan } });
    const first = await call('POST', '/ofrep/v1/evaluate/flags', appToken, long('free'));
    expect((await call('POST', '/ofrep/v1/evaluate/flags', appToken, long('pro!'), { 'if-none-match': first.headers.get('etag') as string })).status).toBe(200);
    // One context, whatever order the SDK wrote its attributes in: the same ETag, so a 304.
    const ordered = await call('POST', '/ofrep/v1/evaluate/flags', appToken, { context: { targetingKey: 'u1', plan: 'pro', tier: { a: 1, b: [1, 2] } } });
    const reordered = { context: { tier: { b: [1, 2], a: 1 }, plan: 'pro', targetingKey: 'u1' } };
    expect((await call('POST', '/ofrep/v1/evaluate/flags', appToken, reordered, { 'if-none-match': ordered.headers.get('etag') as string })).status).toBe(304);
    // …and a nested difference is a different answer.
    const nested = { context: { targetingKey: 'u1', plan: 'pro', tier: { a: 1, b: [2, 1] } } };
    expect((await call('POST', '/ofrep/v1/evaluate/flags', appToken, nested, { 'if-none-match': ordered.headers.get('etag') as string })).status).toBe(200);
  });

  it("keeps an app's token to its own environment", async () => {
    expect((await call('POST', '/ofrep/v1/evaluate/flags/splitViewLayout', stagingToken, {}, { 'x-ripcord-environment': 'production' })).status).toBe(403);
    expect((await call('POST', '/ofrep/v1/evaluate/flags/splitViewLayout', stagingToken, {})).status).toBe(404);
    expect((await call('POST', '/ofrep/v1/evaluate/flags/splitViewLayout', operator, {})).status).toBe(403);
  });

  it('the seed 003 kill switch reaches a real OpenFeature client (server SDK + OFREP provider)', async () => {
    await OpenFeature.setProviderAndWait(`ofrep-${dialect}`, new OFREPProvider({ baseUrl: url, headers: { Authorization: `Bearer ${appToken}` } }));
    const client = OpenFeature.getClient(`ofrep-${dialect}`);
    expect(await client.getBooleanValue('splitViewLayout', false)).toBe(true);
    const patched = await call('PATCH', '/api/v1/environments/production/flags?reason=P1%20incident', operator, { splitViewLayout: { enabled: false }, aiSummarization: { enabled: false } });
    expect(patched).toMatchObject({ status: 200, body: { flags: [{ key: 'splitViewLayout', enabled: false, version: 2 }, { key: 'aiSummarization', enabled: false, version: 2 }] } });
    // A disabled flag evaluates successfully with reason DISABLED and no value: the caller's default applies.
    const raw = await call('POST', '/ofrep/v1/evaluate/flags/splitViewLayout', appToken, {});
    expect(raw).toMatchObject({ status: 200, body: { key: 'splitViewLayout', reason: 'DISABLED' } });
    expect(raw.body).not.toHaveProperty('value');
    expect(await client.getBooleanValue('splitViewLayout', false)).toBe(false);
    const history = await call('GET', '/api/v1/environments/production/flags/splitViewLayout/history', operator);
    expect(((history.body?.changes ?? []) as { version: number; actor: string; reason?: string }[]).map((c) => [c.version, c.actor, c.reason])).toEqual([
      [2, 'oncall', 'P1 incident'],
      [1, 'oncall', 'launch'],
    ]);
  });

  it('changes all flags of a kill switch or none', async () => {
    const before = (await call('GET', '/api/v1/environments/production/flags', operator)).body?.flags;
    const refused = await call('PATCH', '/api/v1/environments/production/flags', operator, { summaryModel: { enabled: false }, notAFlag: { enabled: false } });
    expect(refused.status).toBe(404);
    expect(JSON.stringify(refused.body)).toContain('notAFlag');
    expect((await call('GET', '/api/v1/environments/production/flags', operator)).body?.flags).toEqual(before);
    expect((await call('PATCH', '/api/v1/environments/production/flags', appToken, { summaryModel: { enabled: false } })).status).toBe(403);
  });

  it('runs flags_off as a rollback step, idempotently, and tells the event bus', async () => {
    const seen: string[] = [];
    const unsubscribe = app.events.subscribe((event) => {
      if (event.type === 'flag.changed') seen.push(`${event.key}:${event.enabled}:v${event.version}`);
    });
    const provider = createFlagsProvider({ flags: app.flags });
    const release = { id: 'rel_x', service: 'pulse-messages', environment: 'production', version: '2.0.0', snapshots: [] };
    const request = { action: 'off', params: { keys: ['summaryModel'] }, release, idempotencyKey: 'plan_1:0', signal: new AbortController().signal, log: () => undefined };
    expect(provider.describe(request)).toBe('set flags in pulse-messages/production: summaryModel off');
    const first = await provider.perform(request);
    const second = await provider.perform(request);
    expect(first.summary).toBe('flags summaryModel off (v2)');
    expect(second.summary).toBe('flags summaryModel off (v2)');
    expect(seen).toEqual(['summaryModel:false:v2']);
    unsubscribe();
    await expect(provider.perform({ ...request, action: 'explode' })).rejects.toThrow(/has no action "explode" \(allowed actions: off, set, restore\)/);
  });
});

describe('OFREP rate limit', () => {
  it('answers 429 with Retry-After past the per-token limit, and other tokens still get through', async () => {
    const database = await createTestDatabase('sqlite');
    const parsed = parseConfig('service: web\nenvironments:\n  production: {}\n', 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error('config');
    const app = await createApp({ ...database.options, config: parsed.config, adminToken: ADMIN, watchIntervalMs: 0, ofrepRateLimit: 3, logger: createLogger({ level: 'silent' }) });
    try {
      const greedy = (await app.tokens.create({ name: 'greedy', role: 'flags', environments: ['production'] }, 't')).secret;
      const calm = (await app.tokens.create({ name: 'calm', role: 'flags', environments: ['production'] }, 't')).secret;
      const evaluate = (token: string) => app.server.inject({ method: 'POST', url: '/ofrep/v1/evaluate/flags', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: '{}' });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await evaluate(greedy)).statusCode);
      const refused = await evaluate(greedy);
      // The window is one second: unless the second turned over mid-loop, calls 4+ are refused.
      expect(statuses.filter((s) => s === 429).length + (refused.statusCode === 429 ? 1 : 0)).toBeGreaterThanOrEqual(2);
      const last429 = refused.statusCode === 429 ? refused : undefined;
      if (last429) expect(Number(last429.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await evaluate(calm)).statusCode).toBe(200);
    } finally {
      await app.close();
      await database.drop();
    }
  });
});
