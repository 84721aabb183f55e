import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp, listen } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import { readFlagsFile } from './flag-config-sync.js';
import { RipcordFlagsClient } from './flags-client.js';

const ADMIN = 'rcp_flagd-compat-admin-token-0000';

/** A flagd file as a team moving from flagd has it: null and missing default variants, $evaluators, metadata on the set and flags. */
const flagdFile = {
  $schema: 'https://flagd.dev/schema/v0/flags.json',
  metadata: { flagSetId: 'web', version: 'v7' },
  $evaluators: { isStaff: { ends_with: [{ var: 'email' }, '@example.com'] } },
  flags: {
    'null-default': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: null, targeting: { if: [{ $ref: 'isStaff' }, 'on', null] } },
    'missing-default': { state: 'ENABLED', variants: { a: 'alpha', b: 'beta' } },
    'staff-only': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ $ref: 'isStaff' }, 'on', 'off'] }, metadata: { version: 'user-owned', owner: 'growth' } },
  },
};

describe.each(DIALECTS)('flags as flagd has them, on %s', (dialect) => {
  let database: TestDatabase;
  let app: App;
  let url: string;
  let operator: string;
  let appToken: string;
  const call = async (method: string, path: string, headers: Record<string, string>, body?: string) => {
    const response = await fetch(`${url}${path}`, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, body });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, headers: response.headers };
  };
  const ofrep = (path: string, body: unknown, headers: Record<string, string> = {}) => call('POST', `/ofrep/v1/evaluate/flags${path}`, { 'x-api-key': appToken, ...headers }, typeof body === 'string' ? body : JSON.stringify(body));

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-flagd-'));
    writeFileSync(join(dir, 'flags.json'), JSON.stringify(flagdFile));
    database = await createTestDatabase(dialect);
    const parsed = parseConfig(`service: web\nenvironments:\n  production:\n    flags: ${join(dir, 'flags.json')}\n`, 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error('config');
    app = await createApp({ ...database.options, config: parsed.config, adminToken: ADMIN, watchIntervalMs: 0, logger: createLogger({ level: 'silent' }) });
    url = await listen(app, { host: '127.0.0.1', port: 0 });
    operator = (await app.tokens.create({ name: 'oncall', role: 'operator' }, 't')).secret;
    appToken = (await app.tokens.create({ name: 'web-app', role: 'flags', environments: ['production'] }, 't')).secret;
  });
  afterAll(async () => {
    await OpenFeature.close();
    await app?.close();
    await database?.drop();
  });

  it('serves a file with null and missing default variants, $ref to $evaluators, and the user’s metadata', async () => {
    const staff = { context: { targetingKey: 'u1', email: 'ana@example.com' } };
    expect((await ofrep('/null-default', staff)).body).toEqual({ key: 'null-default', value: true, variant: 'on', reason: 'TARGETING_MATCH', metadata: { flagSetId: 'web', version: 'v7', 'ripcord.version': 1 } });
    // No variant chosen and no default variant: flagd's DEFAULT with no value, so the caller's default applies.
    expect((await ofrep('/null-default', { context: { email: 'x@elsewhere.org' } })).body).toEqual({ key: 'null-default', reason: 'DEFAULT', metadata: { flagSetId: 'web', version: 'v7', 'ripcord.version': 1 } });
    expect((await ofrep('/missing-default', {})).body).toEqual({ key: 'missing-default', reason: 'DEFAULT', metadata: { flagSetId: 'web', version: 'v7', 'ripcord.version': 1 } });
    // The flag's own metadata wins over the set's, and the user's `version` is theirs.
    expect((await ofrep('/staff-only', staff)).body).toMatchObject({ value: true, metadata: { flagSetId: 'web', version: 'user-owned', owner: 'growth', 'ripcord.version': 1 } });
    const bulk = await ofrep('', staff);
    expect(bulk.body?.metadata).toEqual({ flagSetId: 'web', version: 'v7' });
    expect(((bulk.body?.flags ?? []) as { key: string }[]).map((f) => f.key)).toEqual(['missing-default', 'null-default', 'staff-only']);
    // The stored definition is what the file says: no ripcord key written into it.
    const stored = await call('GET', '/api/v1/environments/production/flags/staff-only', { authorization: `Bearer ${operator}` });
    expect((stored.body?.definition as { metadata?: unknown } | undefined)?.metadata).toEqual({ version: 'user-owned', owner: 'growth' });
  });

  it('an OpenFeature client (server SDK + OFREP provider, X-API-Key) gets the caller default where flagd has no variant', async () => {
    await OpenFeature.setProviderAndWait(`flagd-compat-${dialect}`, new OFREPProvider({ baseUrl: url, headers: { 'X-API-Key': appToken } }));
    const client = OpenFeature.getClient(`flagd-compat-${dialect}`);
    const hit = await client.getBooleanDetails('null-default', false, { targetingKey: 'u1', email: 'ana@example.com' });
    expect(hit).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH', flagMetadata: { flagSetId: 'web', 'ripcord.version': 1 } });
    const miss = await client.getStringDetails('missing-default', 'code-default', {});
    expect(miss.value).toBe('code-default');
  });

  it('the ripcord/flags client evaluates $ref flags locally: the stream snapshot carries $evaluators', async () => {
    const client = new RipcordFlagsClient({ server: url, token: appToken, environment: 'production' });
    try {
      await client.ready();
      expect(client.getBoolean('staff-only', false, { targetingKey: 'u1', email: 'ana@example.com' })).toBe(true);
      expect(client.getBoolean('staff-only', true, { targetingKey: 'u1', email: 'bo@elsewhere.org' })).toBe(false);
    } finally {
      client.close();
    }
  });

  it('refuses, with the JSON path, what flagd-core could load but never evaluate (API)', async () => {
    const auth = { authorization: `Bearer ${operator}` };
    const unknownOp = await call('PUT', '/api/v1/environments/production/flags/broken', auth, JSON.stringify({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ and: [true, { no_such_op: [1] }] }, 'on', 'off'] } }));
    expect(unknownOp.status).toBe(400);
    expect(unknownOp.body).toMatchObject({ error: { issues: [{ path: 'body.targeting.if[0].and[1]', message: expect.stringContaining('"no_such_op" is not a JsonLogic operator') }] } });
    const badRef = await call('PUT', '/api/v1/environments/production/flags/broken', auth, JSON.stringify({ state: 'ENABLED', variants: { on: true }, defaultVariant: 'on', targeting: { if: [{ $ref: 'isAdmin' }, 'on', null] } }));
    expect(badRef.body).toMatchObject({ error: { issues: [{ path: 'body.targeting.if[0]', message: expect.stringContaining('$ref "isAdmin" names no evaluator') }] } });
    const document = await call('PUT', '/api/v1/environments/staging/flags', auth, JSON.stringify({ flags: { ok: { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'a' }, bad: { state: 'ENABLED', variants: { a: 1 }, targeting: { $ref: 'gone' } } } }));
    expect(document.body).toMatchObject({ error: { issues: [{ path: 'body.flags.bad.targeting', message: expect.stringContaining('$ref "gone"') }] } });
    // Nothing of the refused document was stored.
    expect((await call('GET', '/api/v1/environments/staging/flags', auth)).body?.flags).toEqual([]);
    // Changing $evaluators so that a flag already stored would break is refused too.
    const breaking = await call('PUT', '/api/v1/environments/production/flags', auth, JSON.stringify({ flags: {}, $evaluators: {} }));
    expect(breaking.status).toBe(400);
    expect(JSON.stringify(breaking.body)).toContain('$ref \\"isStaff\\" names no evaluator');
    expect((await ofrep('/staff-only', { context: { email: 'ana@example.com' } })).body).toMatchObject({ value: true });
  });

  it('refuses such a file, naming the file and the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-flagd-bad-'));
    const file = join(dir, 'flags.json');
    writeFileSync(file, JSON.stringify({ flags: { x: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on', targeting: { if: [{ sem_ver: [{ var: 'v' }, '>=', '1.0.0'] }, { frobnicate: [] }, null] } } } }));
    expect(() => readFlagsFile(file)).toThrow(`flags file ${file}: flags.x.targeting.if[1]: "frobnicate" is not a JsonLogic operator`);
  });

  it('answers every OFREP error in OFREP’s shape and status', async () => {
    // Evaluation failures: 400 with key, errorCode, errorDetails (GENERAL included); 404 for FLAG_NOT_FOUND.
    await call('PUT', '/api/v1/environments/production/flags/bad-variant', { authorization: `Bearer ${operator}` }, JSON.stringify({ state: 'ENABLED', variants: { on: true }, defaultVariant: 'on', targeting: { if: [true, 'nope', 'on'] } }));
    expect(await ofrep('/bad-variant', {})).toMatchObject({ status: 400, body: { key: 'bad-variant', errorCode: 'GENERAL', errorDetails: expect.stringContaining("Variant 'nope' not found") } });
    expect(await ofrep('/nope', {})).toMatchObject({ status: 404, body: { key: 'nope', errorCode: 'FLAG_NOT_FOUND' } });
    // Bad requests: INVALID_CONTEXT in the evaluation-failure shape (single) or bulkEvaluationFailure (bulk).
    expect(await ofrep('/staff-only', { context: 'me' })).toMatchObject({ status: 400, body: { key: 'staff-only', errorCode: 'INVALID_CONTEXT' } });
    expect(await ofrep('/staff-only', { context: [1] })).toMatchObject({ status: 400, body: { key: 'staff-only', errorCode: 'INVALID_CONTEXT' } });
    expect(await ofrep('', { context: 5 })).toMatchObject({ status: 400, body: { errorCode: 'INVALID_CONTEXT' } });
    expect(await ofrep('', '[1,2]')).toMatchObject({ status: 400, body: { errorCode: 'INVALID_CONTEXT' } });
    // Keys OFREP does not define are ignored, not refused.
    expect(await ofrep('/staff-only', { context: { email: 'ana@example.com' }, flagType: 'boolean' })).toMatchObject({ status: 200, body: { value: true } });
    // Malformed JSON, refused by the server before the route, is answered in OFREP's shape too.
    expect(await ofrep('/staff-only', '{"context": {')).toMatchObject({ status: 400, body: { key: 'staff-only', errorCode: 'INVALID_CONTEXT' } });
    expect(await ofrep('', '{"context": {')).toMatchObject({ status: 400, body: { errorCode: 'INVALID_CONTEXT' } });
    // Credentials: none or unknown 401, a token of another role 403 (Bearer and X-API-Key alike).
    expect((await ofrep('/staff-only', {}, { 'x-api-key': '' })).status).toBe(401);
    expect((await ofrep('/staff-only', {}, { 'x-api-key': 'rcp_not-a-token' })).status).toBe(401);
    expect((await ofrep('/staff-only', {}, { 'x-api-key': operator })).status).toBe(403);
    expect((await call('POST', '/ofrep/v1/evaluate/flags/staff-only', { authorization: `Bearer ${appToken}`, 'content-type': 'application/json' }, '{}')).status).toBe(200);
  });

  it('answers 304 to If-None-Match as RFC 9110 has it: weak tags, lists, *', async () => {
    const context = { context: { targetingKey: 'u9' } };
    const first = await ofrep('', context);
    const etag = first.headers.get('etag') as string;
    expect((await ofrep('', context, { 'if-none-match': `W/${etag}` })).status).toBe(304);
    expect((await ofrep('', context, { 'if-none-match': `"stale", ${etag}` })).status).toBe(304);
    expect((await ofrep('', context, { 'if-none-match': '*' })).status).toBe(304);
    expect((await ofrep('', context, { 'if-none-match': '"stale"' })).status).toBe(200);
  });
});
