import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp, listen } from '../app.js';
import type { Role } from '../auth/roles.js';
import { parseConfig } from '../config/load-config.js';
import { signAck } from '../incidents/ack-link.js';
import { createLogger } from '../logger.js';
import { loadSecretKey } from '../store/secret-key.js';
import { signingKey } from '../store/signing-keys.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { arbitraryFor, deepJson, type JsonSchema } from '../test-support/schema-arbitrary.js';

/**
 * Every route's path, query and body generated from its own schema in the OpenAPI document, with
 * hostile values mixed in. Whatever comes: no 5xx, the process stays up, and every 4xx says what is
 * wrong in the documented shape, naming the field. Seeded: `FUZZ_SEED=… FUZZ_RUNS=…` reproduce a run.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);
const RUNS = Number(process.env.FUZZ_RUNS ?? 3_000);
const ADMIN = 'rcp_fuzz-admin-token-00000000000000000';

interface Operation {
  method: string;
  path: string;
  role?: Role | Role[];
  parameters: { name: string; in: 'path' | 'query'; required?: boolean; schema: JsonSchema }[];
  body?: JsonSchema;
  /** Answers with a Server-Sent Events stream, which never ends when the request is valid. */
  stream: boolean;
}

type Encoding = 'none' | 'gzip' | 'GZIP' | 'deflate' | 'br' | 'text/plain';

describe('fuzzing every route from its schema', () => {
  let database: TestDatabase;
  let app: App;
  let url: string;
  let operations: Operation[];
  const tokens = new Map<string, string>();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    database = await createTestDatabase('sqlite');
    const yaml = `service: shop
environments:
  production:
    provider: { kind: memory }
    signals: { requests: { ingest: true }, alerts: { alertmanager: { match: { team: shop } } }, bugs: { reports: true } }
    triggers: [ { canary: [requests.error_rate], severity: P1 } ]
    rollback: [ previous_release ]
    verify: []
    flags: { splitView: { state: ENABLED, variants: { on: true, off: false }, defaultVariant: 'on' } }
`;
    const parsed = parseConfig(yaml, 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error(`config: ${JSON.stringify(parsed)}`);
    app = await createApp({ ...database.options, config: parsed.config, adminToken: ADMIN, watchIntervalMs: 0, incidentTickMs: 0, authFailureLimit: 1_000_000, ofrepRateLimit: 1_000_000, logger: createLogger({ level: 'silent' }) });
    url = await listen(app, { host: '127.0.0.1', port: 0 });
    tokens.set('admin', ADMIN);
    for (const role of ['ingest', 'flags'] as const) tokens.set(role, (await app.tokens.create({ name: `fuzz-${role}`, role, environments: ['production'] }, 'fuzz')).secret);
    // Real objects for the id-shaped parameters to hit now and then.
    const release = await app.ledger.record({ service: 'shop', environment: 'production', version: 'v1' }, 'fuzz');
    const incident = await app.incidents.open({ service: 'shop', environment: 'production', title: 'fuzz', severity: 'P3', actor: 'fuzz' });
    knownIds.push(release.id, incident.id);
    const document = (await app.server.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      paths: Record<
        string,
        Record<string, { parameters?: Operation['parameters']; requestBody?: { content: { 'application/json': { schema: JsonSchema } } }; responses?: Record<string, { content?: Record<string, unknown> }>; 'x-required-role'?: Role | Role[] }>
      >;
    };
    operations = Object.entries(document.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        role: operation['x-required-role'],
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content['application/json'].schema,
        stream: Object.values(operation.responses ?? {}).some((response) => Object.keys(response.content ?? {}).includes('text/event-stream')),
      })),
    );
  }, 60_000);
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await app?.close();
    await database?.drop();
  });
  const knownIds: string[] = [];

  const tokenFor = (role: Operation['role']): string => {
    const wanted = [role ?? 'admin'].flat();
    return tokens.get(wanted.find((r) => tokens.has(r)) ?? 'admin') ?? ADMIN;
  };

  const pathValue = fc.oneof(fc.constantFrom('production', 'staging', 'splitView', '%', '%ff', '%2F..%2F', '..', 'a b', 'ñ', '1', '0', '-1'), fc.string({ minLength: 1, maxLength: 20 }), fc.constant('KNOWN'));

  const requestFor = (operation: Operation) =>
    fc.record({
      path: fc.tuple(...operation.parameters.filter((p) => p.in === 'path').map(() => fc.tuple(pathValue, fc.boolean())), fc.constant(null)),
      query: fc.record(Object.fromEntries(operation.parameters.filter((p) => p.in === 'query').map((p) => [p.name, fc.option(arbitraryFor(p.schema), { freq: 2 })]))),
      extraQuery: fc.option(fc.constantFrom('utm_source=mail', '__proto__=1', 'limit=1&limit=2', 'a[b]=c', '%ff=1'), { freq: 5 }),
      body: operation.body ? arbitraryFor(operation.body) : fc.option(fc.jsonValue({ maxDepth: 2 }), { freq: 3 }),
      rawBody: fc.option(fc.constantFrom('{"a":', 'not json', '[', '\u0000', '{"__proto__":{"admin":true}}', deepJson(5_000)), { freq: 12 }),
      encoding: fc.oneof({ weight: 12, arbitrary: fc.constant<Encoding>('none') }, { weight: 1, arbitrary: fc.constantFrom<Encoding>('gzip', 'GZIP', 'deflate', 'br', 'text/plain') }),
      header: fc.option(fc.constantFrom('production', 'staging', ''), { freq: 2 }),
    });

  const cases = () => {
    const arbitrary = fc.integer({ min: 0, max: operations.length - 1 }).chain((index) => requestFor(operations[index] as Operation).map((request) => ({ operation: operations[index] as Operation, request })));
    return fc.sample(arbitrary, { seed: SEED, numRuns: RUNS });
  };

  /** The documented error shapes: ripcord's `{error: {code, message, issues?}}`, or OFREP's on /ofrep. */
  const shapeProblem = (path: string, status: number, body: string): string | undefined => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return `${status} with a body that is not JSON: ${body.slice(0, 80)}`;
    }
    if (path.startsWith('/ofrep/') && (typeof parsed.errorDetails === 'string' || typeof parsed.errorCode === 'string')) return undefined;
    const error = parsed.error as { code?: unknown; message?: unknown; issues?: { path?: unknown; message?: unknown }[] } | undefined;
    if (!error || typeof error.code !== 'string' || typeof error.message !== 'string') return `${status} without {error: {code, message}}: ${body.slice(0, 120)}`;
    if (status === 400 && error.code === 'invalid_input' && !(error.issues?.length && error.issues.every((i) => typeof i.path === 'string' && i.path.length > 0))) {
      return `400 invalid_input that names no field: ${body.slice(0, 160)}`;
    }
    return undefined;
  };

  it(`answers ${RUNS} generated requests with no 5xx, each refusal in the documented shape naming the field (seed ${SEED})`, async () => {
    const problems: string[] = [];
    let fiveHundreds = 0;
    const statuses = new Map<number, number>();
    for (const { operation, request } of cases()) {
      let index = 0;
      const path = operation.path.replace(/\{(\w+)\}/g, () => {
        const [value, encode] = request.path[index++] as [string, boolean];
        const chosen = value === 'KNOWN' ? (knownIds[index % knownIds.length] as string) : value;
        return encode ? encodeURIComponent(chosen) : chosen;
      });
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(request.query)) {
        if (value === null || value === undefined) continue;
        for (const one of Array.isArray(value) ? value : [value]) query.append(name, typeof one === 'object' ? JSON.stringify(one) : String(one));
      }
      const search = [query.toString(), request.extraQuery ?? ''].filter(Boolean).join('&');
      const target = `${path}${search ? `?${search}` : ''}`;
      const text = request.rawBody ?? (request.body === undefined || request.body === null ? undefined : JSON.stringify(request.body));
      const headers: Record<string, string> = { authorization: `Bearer ${tokenFor(operation.role)}` };
      if (request.header !== null) headers['x-ripcord-environment'] = request.header;
      let payload: string | Buffer | undefined = text;
      if (text !== undefined) {
        headers['content-type'] = request.encoding === 'text/plain' ? 'text/plain' : 'application/json';
        if (request.encoding === 'gzip' || request.encoding === 'GZIP') payload = gzipSync(text);
        if (request.encoding === 'deflate') payload = deflateSync(text);
        if (['gzip', 'GZIP', 'deflate', 'br'].includes(request.encoding)) headers['content-encoding'] = request.encoding;
      }
      let status: number;
      let body: string;
      if (operation.stream) {
        // A valid stream never ends: read its status over HTTP and hang up.
        const response = await fetch(`${url}${target}`, { headers, signal: AbortSignal.timeout(5_000) }).catch((error: Error) => ({ status: 599, text: async () => error.message, body: null }));
        status = response.status;
        body = status === 200 ? '' : await response.text();
        if (status === 200) await response.body?.cancel();
      } else {
        const response = await app.server.inject({ method: operation.method as 'GET', url: target, headers, payload });
        status = response.statusCode;
        body = response.body;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) {
        fiveHundreds += 1;
        problems.push(`${operation.method} ${target.slice(0, 120)} → ${status}: ${body.slice(0, 160)}`);
      } else if (status >= 400) {
        const problem = shapeProblem(operation.path, status, body);
        if (problem) problems.push(`${operation.method} ${target.slice(0, 120)}: ${problem}`);
      }
    }
    // Every route was reached, most often past validation into its handler.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(RUNS / 20);
    expect({ fiveHundreds, problems: problems.slice(0, 20), unhandled: unhandled.map(String) }).toEqual({ fiveHundreds: 0, problems: [], unhandled: [] });
    expect((await app.server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  }, 600_000);

  it('keeps a signed acknowledgement link working when a mail client adds utm_source', async () => {
    const incident = await app.incidents.open({ service: 'shop', environment: 'production', title: 'link', severity: 'P3', actor: 'fuzz' });
    const expires = Date.now() + 60_000;
    const secret = await signingKey(app.store.db, 'incident-ack-links', new Date(), loadSecretKey().key);
    const link = `/api/v1/incidents/ack?incident=${incident.id}&who=bob&expires=${expires}&sig=${signAck(secret, incident.id, 'bob', new Date(expires))}&utm_source=mail&utm_medium=email`;
    const page = await app.server.inject({ method: 'GET', url: link });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Acknowledge as bob');
    expect(page.body).not.toContain('utm_source');
  });

  it('answers the cases that broke before in the documented shape', async () => {
    const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const flags = { authorization: `Bearer ${tokens.get('flags')}`, 'content-type': 'application/json' };
    const ingest = { authorization: `Bearer ${tokens.get('ingest')}`, 'content-type': 'application/json' };
    const release = knownIds[0] as string;
    const cases: [string, { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; payload?: string }, number, string][] = [
      ['OFREP bulk, context 3,000 levels deep', { method: 'POST', url: '/ofrep/v1/evaluate/flags', headers: flags, payload: `{"context":${deepJson(3_000)}}` }, 400, 'body'],
      ['snapshot details 10,000 levels deep', { method: 'POST', url: `/api/v1/releases/${release}/snapshots`, headers: admin, payload: `{"kind":"tag","reference":"x","details":${deepJson(10_000)}}` }, 400, 'body'],
      ['ingest `at` past the Date range', { method: 'POST', url: '/api/v1/ingest', headers: ingest, payload: JSON.stringify({ environment: 'production', outcomes: [{ arm: 'canary', ok: true, latency_ms: 1, at: 8.64e15 + 1 }] }) }, 400, 'body.outcomes.0.at'],
      ['ingest `at` a year ahead', { method: 'POST', url: '/api/v1/ingest', headers: ingest, payload: JSON.stringify({ environment: 'production', outcomes: [{ arm: 'canary', ok: true, latency_ms: 1, at: Date.now() + 365 * 86_400_000 }] }) }, 400, 'body.outcomes.0.at'],
      ['a lone % in the path', { method: 'GET', url: '/api/v1/releases/%', headers: admin }, 400, 'path'],
      ['%ff in the path', { method: 'GET', url: '/api/v1/releases/%ff', headers: admin }, 400, 'path'],
      ['__proto__ in the body', { method: 'POST', url: '/api/v1/incidents', headers: admin, payload: '{"__proto__":{"admin":true},"environment":"production","title":"t","severity":"P2"}' }, 400, 'body.__proto__'],
      ['Content-Encoding br', { method: 'POST', url: '/api/v1/incidents', headers: { ...admin, 'content-encoding': 'br' }, payload: 'xx' }, 415, 'headers.content-encoding'],
      ['gzip that is not gzip', { method: 'POST', url: '/api/v1/incidents', headers: { ...admin, 'content-encoding': 'gzip' }, payload: 'not gzip' }, 400, 'body'],
      ['a content type we do not take', { method: 'POST', url: '/api/v1/incidents', headers: { ...admin, 'content-type': 'text/xml' }, payload: '<a/>' }, 415, 'headers.content-type'],
    ];
    for (const [what, request, status, path] of cases) {
      const response = await app.server.inject(request);
      expect(response.statusCode, what).toBe(status);
      // OFREP answers in its own shape: a body it cannot read is INVALID_CONTEXT (docs/flags.md).
      if (request.url.startsWith('/ofrep/')) {
        expect(response.json(), what).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
        continue;
      }
      const error = (response.json() as { error: { issues: { path: string }[] } }).error;
      expect(error.issues[0]?.path, what).toBe(path);
    }
    // Encodings in any letter case are unzipped.
    const body = JSON.stringify({ environment: 'production', title: 'zipped', severity: 'P3' });
    for (const [encoding, payload] of [
      ['GZIP', gzipSync(body)],
      ['deflate', deflateSync(body)],
    ] as const) {
      const response = await app.server.inject({ method: 'POST', url: '/api/v1/incidents', headers: { ...admin, 'content-encoding': encoding }, payload });
      expect(response.statusCode, encoding).toBe(201);
    }
  });
});
