import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp, listen } from '../app.js';
import { ROLES, type Role } from '../auth/roles.js';
import { parseConfig } from '../config/load-config.js';
import { signAck } from '../incidents/ack-link.js';
import { createLogger } from '../logger.js';
import { loadSecretKey } from '../store/secret-key.js';
import { signingKey } from '../store/signing-keys.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';

/**
 * The authorization table: every path × method of the OpenAPI document, against every kind of token,
 * on objects made through the API in `production` while tokens are also limited to `staging`.
 * The expected status is this file's own model of the rule (below), written from the issue, not read
 * from the routes' declarations: a route declared wrongly, or a route added without a sample here,
 * fails.
 */
const ADMIN = 'rcp_authorization-table-admin-000000000';
const OWN = 'production';
const OTHER = 'staging';

type Scope = 'unlimited' | 'own' | 'other';
type TokenKind = { kind: 'none' } | { kind: 'revoked' } | { kind: 'token'; role: Role; scope: Scope };
const TOKEN_KINDS: TokenKind[] = [{ kind: 'none' }, { kind: 'revoked' }, ...ROLES.flatMap((role) => (['unlimited', 'own', 'other'] as const).map((scope) => ({ kind: 'token' as const, role, scope })))];
const label = (t: TokenKind) => (t.kind === 'token' ? `${t.role}${t.scope === 'unlimited' ? '' : `@${t.scope === 'own' ? OWN : OTHER}`}` : t.kind);

/** What a route does with the environment, as a person reading the issue would classify it. */
type Acts =
  | 'public' // no token needed; answers the same to everyone
  | 'object' // names a production object by id: another environment's token gets 404
  | 'named' // names production explicitly: another environment's token gets 403
  | 'list' // a list or aggregate: another environment's token gets its own (empty) share, 200
  | 'whole'; // the whole server: only unlimited tokens

interface Sample {
  acts: Acts;
  /** Least role, as documented (viewer < operator < admin; ingest and flags apart); several = any of them. */
  role?: Role | Role[];
  ok: number;
  /** Builds the request; runs once per cell, so it can make a fresh object for routes that change one. */
  request: () => Promise<{ url: string; body?: unknown; headers?: Record<string, string> }>;
  /** An SSE stream: read the status over real HTTP, then hang up. */
  stream?: boolean;
}

const GRANTS: Record<Role, Role[]> = { viewer: ['viewer'], operator: ['viewer', 'operator'], admin: ['viewer', 'operator', 'admin'], ingest: ['ingest'], flags: ['flags'] };

/** The rule: 401 without a valid token, 403 for a role that may not, then the environment by kind of route. */
function expected(sample: Sample, token: TokenKind): number {
  if (sample.acts === 'public') return sample.ok;
  if (token.kind !== 'token') return 401;
  const required = [sample.role ?? 'viewer'].flat();
  if (!required.some((r) => GRANTS[token.role].includes(r))) return 403;
  if (token.scope !== 'other') return sample.acts === 'whole' && token.scope === 'own' ? 403 : sample.ok;
  return { object: 404, named: 403, list: sample.ok, whole: 403 }[sample.acts];
}

describe.each(DIALECTS)('the authorization table (%s)', (dialect) => {
  let database: TestDatabase;
  let app: App;
  let url: string;
  let ackSecret: string;
  const secrets = new Map<string, string>();
  let counter = 0;
  const unique = (prefix: string) => `${prefix}-${++counter}`;

  const call = async (method: string, path: string, body?: unknown, token: string | null = ADMIN, headers: Record<string, string> = {}) => {
    const response = await app.server.inject({
      method: method as 'GET',
      url: path,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.statusCode, text: response.body, json: () => response.json() as Record<string, unknown> };
  };
  const made = async (method: string, path: string, body?: unknown) => {
    const response = await call(method, path, body);
    if (response.status >= 300) throw new Error(`setup ${method} ${path} answered ${response.status}: ${response.text}`);
    return response.json();
  };
  const release = async () => (await made('POST', '/api/v1/releases', { environment: OWN, version: unique('v') })).id as string;
  const incident = async () => (await made('POST', '/api/v1/incidents', { environment: OWN, title: unique('checkout fails'), severity: 'P2' })).id as string;
  const token = async (environments?: string[]) => (await made('POST', '/api/v1/tokens', { name: unique('victim'), role: 'viewer', ...(environments ? { environments } : {}) })).token as { id: string };
  const decision = async () => {
    const verdict = { state: 'unhealthy' as const, explanation: 'P1 error rate', firing: [{ trigger: 't', severity: 'P1' as const, explanation: 'x', values: {} }] };
    const made = await app.detection.decisions.decideOn({ service: 'shop', environment: OWN }, verdict as never, { serviceDown: false, dataLoss: false, majorFeatureBroken: false }, { P0: { action: 'rollback' }, P1: { action: 'rollback', approval: 'team-lead' }, P2: { action: 'fix_forward' }, P3: { action: 'fix_forward' } } as never);
    if (!made) throw new Error('the policy made no decision');
    return made.id;
  };

  // Read-only routes share one object; routes that change theirs get a fresh one per cell.
  const once = <T>(make: () => Promise<T>) => {
    let made: Promise<T> | undefined;
    return () => (made ??= make());
  };
  const sharedRelease = once(() => release());
  const sharedIncident = once(() => incident());
  const sharedDecision = once(() => decision());
  let planId: string;
  let rolledBackIncident: string;
  const samples: Record<string, Sample> = {
    'GET /healthz': { acts: 'public', ok: 200, request: async () => ({ url: '/healthz' }) },
    'GET /readyz': { acts: 'public', ok: 200, request: async () => ({ url: '/readyz' }) },
    'GET /metrics': { acts: 'whole', role: 'viewer', ok: 200, request: async () => ({ url: '/metrics' }) },
    'GET /api/v1/openapi.json': { acts: 'public', ok: 200, request: async () => ({ url: '/api/v1/openapi.json' }) },
    'GET /api/v1/audit': { acts: 'whole', role: 'admin', ok: 200, request: async () => ({ url: '/api/v1/audit' }) },
    'GET /api/v1/config': { acts: 'whole', role: 'admin', ok: 200, request: async () => ({ url: '/api/v1/config' }) },
    'POST /api/v1/releases': { acts: 'named', role: 'operator', ok: 201, request: async () => ({ url: '/api/v1/releases', body: { environment: OWN, version: unique('v') } }) },
    'GET /api/v1/releases': { acts: 'list', ok: 200, request: async () => ({ url: '/api/v1/releases' }) },
    'GET /api/v1/releases/{id}': { acts: 'object', ok: 200, request: async () => ({ url: `/api/v1/releases/${await sharedRelease()}` }) },
    'POST /api/v1/releases/{id}/transitions': { acts: 'object', role: 'operator', ok: 200, request: async () => ({ url: `/api/v1/releases/${await release()}/transitions`, body: { status: 'verified' } }) },
    'POST /api/v1/releases/{id}/stable': { acts: 'object', role: 'operator', ok: 200, request: async () => ({ url: `/api/v1/releases/${await release()}/stable` }) },
    'POST /api/v1/releases/{id}/snapshots': { acts: 'object', role: 'operator', ok: 201, request: async () => ({ url: `/api/v1/releases/${await sharedRelease()}/snapshots`, body: { kind: 'tag', reference: 'v1' } }) },
    'GET /api/v1/environments/{env}/last-known-good': { acts: 'named', ok: 200, request: async () => ({ url: `/api/v1/environments/${OWN}/last-known-good` }) },
    'GET /api/v1/status': { acts: 'list', ok: 200, request: async () => ({ url: '/api/v1/status' }) },
    'POST /api/v1/tokens': { acts: 'named', role: 'admin', ok: 201, request: async () => ({ url: '/api/v1/tokens', body: { name: unique('ci'), role: 'viewer', environments: [OWN] } }) },
    'GET /api/v1/tokens': { acts: 'list', role: 'admin', ok: 200, request: async () => ({ url: '/api/v1/tokens' }) },
    'DELETE /api/v1/tokens/{id}': { acts: 'object', role: 'admin', ok: 200, request: async () => ({ url: `/api/v1/tokens/${(await token([OWN])).id}` }) },
    'POST /api/v1/ingest': { acts: 'named', role: 'ingest', ok: 202, request: async () => ({ url: '/api/v1/ingest', body: { environment: OWN, outcomes: [{ arm: 'canary', status: 200, latency_ms: 5 }] } }) },
    'POST /api/v1/alerts/alertmanager': {
      acts: 'named',
      role: 'ingest',
      ok: 200,
      request: async () => ({ url: '/api/v1/alerts/alertmanager', body: { version: '4', status: 'resolved', alerts: [{ status: 'resolved', labels: { alertname: 'DatabaseDown', environment: OWN } }] } }),
    },
    'POST /api/v1/reports': { acts: 'named', role: 'ingest', ok: 201, request: async () => ({ url: '/api/v1/reports', body: { environment: OWN, title: 'cannot log in' } }) },
    'GET /api/v1/environments/{environment}/verdict': {
      acts: 'named',
      ok: 200,
      request: async () => {
        await app.detection.detection.tick();
        return { url: `/api/v1/environments/${OWN}/verdict` };
      },
    },
    'GET /api/v1/decisions': { acts: 'list', ok: 200, request: async () => ({ url: '/api/v1/decisions' }) },
    'GET /api/v1/decisions/{id}': { acts: 'object', ok: 200, request: async () => ({ url: `/api/v1/decisions/${await sharedDecision()}` }) },
    'POST /api/v1/decisions/{id}/approve': { acts: 'object', role: 'operator', ok: 200, request: async () => ({ url: `/api/v1/decisions/${await decision()}/approve`, body: { reason: 'seen' } }) },
    'POST /api/v1/decisions/{id}/veto': { acts: 'object', role: 'operator', ok: 200, request: async () => ({ url: `/api/v1/decisions/${await decision()}/veto`, body: { reason: 'seen' } }) },
    'POST /api/v1/rollbacks': { acts: 'named', role: 'operator', ok: 202, request: async () => ({ url: '/api/v1/rollbacks', body: { environment: OWN, dry_run: true } }) },
    'POST /api/v1/releases/rollout': { acts: 'named', role: 'operator', ok: 202, request: async () => ({ url: '/api/v1/releases/rollout', body: { environment: OWN, version: unique('r'), force: true, watch_ms: 0 } }) },
    'GET /api/v1/rollbacks': { acts: 'list', ok: 200, request: async () => ({ url: '/api/v1/rollbacks' }) },
    'GET /api/v1/rollbacks/{id}': { acts: 'object', ok: 200, request: async () => ({ url: `/api/v1/rollbacks/${planId}` }) },
    'GET /api/v1/environments/{env}/flags': { acts: 'named', ok: 200, request: async () => ({ url: `/api/v1/environments/${OWN}/flags` }) },
    'PATCH /api/v1/environments/{env}/flags': { acts: 'named', role: 'operator', ok: 200, request: async () => ({ url: `/api/v1/environments/${OWN}/flags`, body: { splitView: { enabled: true } } }) },
    'GET /api/v1/environments/{env}/flags/{key}': { acts: 'named', ok: 200, request: async () => ({ url: `/api/v1/environments/${OWN}/flags/splitView` }) },
    'PUT /api/v1/environments/{env}/flags/{key}': {
      acts: 'named',
      role: 'operator',
      ok: 200,
      request: async () => ({ url: `/api/v1/environments/${OWN}/flags/${unique('newFlag')}`, body: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' } }),
    },
    'GET /api/v1/environments/{env}/flags/{key}/history': { acts: 'named', ok: 200, request: async () => ({ url: `/api/v1/environments/${OWN}/flags/splitView/history` }) },
    'GET /api/v1/environments/{env}/flags/stream': { acts: 'named', role: ['viewer', 'flags'], ok: 200, stream: true, request: async () => ({ url: `/api/v1/environments/${OWN}/flags/stream` }) },
    'POST /ofrep/v1/evaluate/flags/{key}': { acts: 'named', role: 'flags', ok: 200, request: async () => ({ url: '/ofrep/v1/evaluate/flags/splitView', body: { context: {} }, headers: { 'x-ripcord-environment': OWN } }) },
    'POST /ofrep/v1/evaluate/flags': { acts: 'named', role: 'flags', ok: 200, request: async () => ({ url: '/ofrep/v1/evaluate/flags', body: { context: {} }, headers: { 'x-ripcord-environment': OWN } }) },
    'POST /api/v1/incidents': { acts: 'named', role: 'operator', ok: 201, request: async () => ({ url: '/api/v1/incidents', body: { environment: OWN, title: unique('slow'), severity: 'P3' } }) },
    'GET /api/v1/incidents': { acts: 'list', ok: 200, request: async () => ({ url: '/api/v1/incidents' }) },
    'GET /api/v1/incidents/{id}': { acts: 'object', ok: 200, request: async () => ({ url: `/api/v1/incidents/${await sharedIncident()}` }) },
    'POST /api/v1/incidents/{id}/ack': { acts: 'object', role: 'operator', ok: 200, request: async () => ({ url: `/api/v1/incidents/${await incident()}/ack` }) },
    'POST /api/v1/incidents/{id}/status': { acts: 'object', role: 'operator', ok: 200, request: async () => ({ url: `/api/v1/incidents/${await incident()}/status`, body: { status: 'mitigating' } }) },
    'POST /api/v1/incidents/{id}/notes': { acts: 'object', role: 'operator', ok: 200, request: async () => ({ url: `/api/v1/incidents/${await sharedIncident()}/notes`, body: { text: 'looking' } }) },
    'PATCH /api/v1/incidents/{id}': { acts: 'object', role: 'operator', ok: 200, request: async () => ({ url: `/api/v1/incidents/${await sharedIncident()}`, body: { commander: 'alice' } }) },
    'POST /api/v1/incidents/{id}/milestones': {
      acts: 'object',
      role: 'operator',
      ok: 200,
      request: async () => ({ url: `/api/v1/incidents/${await incident()}/milestones`, body: { milestone: 'started', at: new Date(Date.now() - 60_000).toISOString() } }),
    },
    'POST /api/v1/incidents/{id}/checklist': { acts: 'object', role: 'operator', ok: 200, request: async () => ({ url: `/api/v1/incidents/${await incident()}/checklist`, body: { item: 'alert received' } }) },
    'POST /api/v1/incidents/{id}/actions': { acts: 'object', role: 'operator', ok: 201, request: async () => ({ url: `/api/v1/incidents/${await sharedIncident()}/actions`, body: { text: 'add a test' } }) },
    'POST /api/v1/incidents/{id}/actions/{action}/done': {
      acts: 'object',
      role: 'operator',
      ok: 200,
      request: async () => {
        const id = await incident();
        await made('POST', `/api/v1/incidents/${id}/actions`, { text: 'add a test' });
        return { url: `/api/v1/incidents/${id}/actions/1/done` };
      },
    },
    'POST /api/v1/incidents/{id}/rollbacks/{plan}/unnecessary': {
      acts: 'object',
      role: 'operator',
      ok: 200,
      request: async () => ({ url: `/api/v1/incidents/${rolledBackIncident}/rollbacks/${planId}/unnecessary`, body: { reason: 'false alarm' } }),
    },
    'GET /api/v1/incidents/{id}/report': { acts: 'object', ok: 200, request: async () => ({ url: `/api/v1/incidents/${await sharedIncident()}/report` }) },
    'GET /api/v1/incidents/{id}/postmortem': { acts: 'object', ok: 200, request: async () => ({ url: `/api/v1/incidents/${await sharedIncident()}/postmortem` }) },
    'GET /api/v1/rollbacks/log': { acts: 'list', ok: 200, request: async () => ({ url: '/api/v1/rollbacks/log' }) },
    'GET /api/v1/metrics/recovery': { acts: 'list', ok: 200, request: async () => ({ url: '/api/v1/metrics/recovery' }) },
    'GET /status': { acts: 'public', ok: 200, request: async () => ({ url: '/status' }) },
    'GET /api/v1/environments/{env}/banner': { acts: 'public', ok: 200, request: async () => ({ url: `/api/v1/environments/${OWN}/banner` }) },
    'GET /api/v1/incidents/ack': {
      acts: 'public',
      ok: 200,
      request: async () => {
        const id = await incident();
        const expires = String(Date.now() + 60_000);
        return { url: `/api/v1/incidents/ack?incident=${id}&who=bob&expires=${expires}&sig=${signAck(ackSecret, id, 'bob', new Date(Number(expires)))}` };
      },
    },
    'POST /api/v1/incidents/ack': {
      acts: 'public',
      ok: 200,
      request: async () => {
        const id = await incident();
        const expires = Date.now() + 60_000;
        return { url: '/api/v1/incidents/ack', body: { incident: id, who: 'bob', expires: String(expires), sig: signAck(ackSecret, id, 'bob', new Date(expires)) } };
      },
    },
  };

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const flag = `flags: { splitView: { state: ENABLED, variants: { on: true, off: false }, defaultVariant: 'on' } }`;
    const yaml = `service: shop
environments:
  ${OWN}:
    provider: { kind: memory }
    ${flag}
    signals: { requests: { ingest: true }, alerts: { alertmanager: { match: { alertname: DatabaseDown } } }, bugs: { reports: true } }
    triggers: [ { alert: DatabaseDown, severity: P3 } ]
    rollback: [ previous_release ]
    verify: []
  ${OTHER}:
    provider: { kind: memory }
    ${flag}
`;
    const parsed = parseConfig(yaml, 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error(`config: ${JSON.stringify(parsed)}`);
    app = await createApp({ ...database.options, config: parsed.config, adminToken: ADMIN, watchIntervalMs: 0, incidentTickMs: 0, rollbackCooldownMs: 0, authFailureLimit: 1_000_000, logger: createLogger({ level: 'silent' }) });
    url = await listen(app, { host: '127.0.0.1', port: 0 });
    ackSecret = await signingKey(app.store.db, 'incident-ack-links', new Date(), loadSecretKey().key);
    // One real rollback of production, for the plan and the incident it opens.
    const first = await release();
    await made('POST', `/api/v1/releases/${first}/stable`);
    await release();
    planId = ((await made('POST', '/api/v1/rollbacks', { environment: OWN, reason: 'drill' })).plan as { id: string }).id;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const plan = await made('GET', `/api/v1/rollbacks/${planId}`);
      const found = (await app.incidents.list({ environment: OWN })).find((i) => JSON.stringify(i.timeline).includes(planId));
      if (plan.status !== 'running' && plan.status !== 'pending' && found) {
        rolledBackIncident = found.id;
        break;
      }
      if (Date.now() > deadline) throw new Error(`the setup rollback did not finish: ${JSON.stringify(plan)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // A stable release again, so production has a last known good after the rollback.
    await made('POST', `/api/v1/releases/${await release()}/stable`);
    for (const kind of TOKEN_KINDS) {
      if (kind.kind !== 'token') continue;
      const scope = kind.scope === 'unlimited' ? undefined : [kind.scope === 'own' ? OWN : OTHER];
      const created = await made('POST', '/api/v1/tokens', { name: `t-${label(kind).replace('@', '-')}`, role: kind.role, ...(scope ? { environments: scope } : {}) });
      secrets.set(label(kind), created.secret as string);
    }
    const revoked = await made('POST', '/api/v1/tokens', { name: 'revoked', role: 'admin' });
    await made('DELETE', `/api/v1/tokens/${(revoked.token as { id: string }).id}`);
    secrets.set('revoked', revoked.secret as string);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const routes = async () => {
    const document = (await call('GET', '/api/v1/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    return Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
  };

  it('has a sample for every path and method of the OpenAPI document (a route added without one fails here)', async () => {
    const all = await routes();
    expect(all.filter((route) => !samples[route])).toEqual([]);
    expect(Object.keys(samples).filter((route) => !all.includes(route))).toEqual([]);
  });

  it('answers every cell as the rule says: routes × token kinds', async () => {
    const failures: string[] = [];
    let cells = 0;
    for (const route of await routes()) {
      const sample = samples[route];
      if (!sample) continue;
      const [method] = route.split(' ') as [string, string];
      for (const kind of TOKEN_KINDS) {
        const secret = kind.kind === 'none' ? null : (secrets.get(label(kind)) as string);
        const request = await sample.request();
        let status: number;
        let text = '';
        if (sample.stream) {
          const controller = new AbortController();
          const response = await fetch(`${url}${request.url}`, { headers: secret ? { authorization: `Bearer ${secret}` } : {}, signal: controller.signal });
          status = response.status;
          if (status !== 200) text = await response.text();
          controller.abort();
        } else {
          const response = await call(method, request.url, request.body, secret, request.headers);
          status = response.status;
          text = response.text;
        }
        cells += 1;
        const want = expected(sample, kind);
        if (status !== want) failures.push(`${route} as ${label(kind)}: ${status}, expected ${want} (${text.slice(0, 160)})`);
        // A list read by a token of another environment holds nothing of production.
        if (sample.acts === 'list' && kind.kind === 'token' && kind.scope === 'other' && status === 200 && text.includes(`"${OWN}"`)) failures.push(`${route} as ${label(kind)} shows ${OWN} data`);
      }
    }
    expect(cells).toBe(Object.keys(samples).length * TOKEN_KINDS.length);
    expect(failures).toEqual([]);
  }, 300_000);

  it('refuses lists that name another environment explicitly (403), and filters those that do not', async () => {
    const viewer = secrets.get(`viewer@${OTHER}`) as string;
    for (const path of ['/api/v1/releases', '/api/v1/decisions', '/api/v1/rollbacks', '/api/v1/incidents', '/api/v1/rollbacks/log', '/api/v1/metrics/recovery']) {
      expect((await call('GET', `${path}?environment=${OWN}`, undefined, viewer)).status, path).toBe(403);
    }
    const own = (await call('GET', '/api/v1/releases', undefined, secrets.get(`viewer@${OWN}`) as string)).json().releases as { environment: string }[];
    expect(own.length).toBeGreaterThan(0);
    expect(new Set(own.map((r) => r.environment))).toEqual(new Set([OWN]));
  });

  it('lets a token mint only within itself: no wider environments, no unlimited token', async () => {
    const admin = secrets.get(`admin@${OTHER}`) as string;
    expect((await call('POST', '/api/v1/tokens', { name: unique('wide'), role: 'admin' }, admin)).status).toBe(403);
    expect((await call('POST', '/api/v1/tokens', { name: unique('both'), role: 'operator', environments: [OTHER, OWN] }, admin)).status).toBe(403);
    const ok = await call('POST', '/api/v1/tokens', { name: unique('narrow'), role: 'admin', environments: [OTHER] }, admin);
    expect(ok.status).toBe(201);
    // It sees only tokens within its environments, and cannot revoke the unlimited bootstrap admin.
    const listed = (await call('GET', '/api/v1/tokens', undefined, admin)).json().tokens as { name: string; environments?: string[] }[];
    expect(listed.every((t) => t.environments?.every((e) => e === OTHER))).toBe(true);
    expect((await call('DELETE', '/api/v1/tokens/bootstrap-admin', undefined, admin)).status).toBe(404);
  });

  it('never turns an alert that names another environment into a trigger', async () => {
    const ingest = secrets.get(`ingest@${OTHER}`) as string;
    const forged = { version: '4', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'DatabaseDown', environment: OWN } }] };
    expect((await call('POST', '/api/v1/alerts/alertmanager', forged, ingest)).status).toBe(403);
    // Without an environment label, a token of one environment speaks for that one only.
    const unlabelled = { version: '4', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'DatabaseDown' } }] };
    expect((await call('POST', '/api/v1/alerts/alertmanager', unlabelled, ingest)).status).toBe(200);
    await app.detection.detection.tick();
    const verdict = (await call('GET', `/api/v1/environments/${OWN}/verdict`)).json() as { triggers: { trigger: string; state: string }[] };
    expect(verdict.triggers.filter((t) => t.state === 'firing')).toEqual([]);
  });

  /** Reads a stream until it ends (or its connection is cut): true; false if it is still open at the deadline. */
  const endsWithin = async (body: ReadableStream<Uint8Array>, ms: number): Promise<boolean> => {
    const reader = body.getReader();
    let late = false;
    const deadline = setTimeout(() => {
      late = true;
      void reader.cancel('still open');
    }, ms);
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) return !late;
      }
    } catch {
      return true;
    } finally {
      clearTimeout(deadline);
    }
  };

  it('closes a revoked token’s open stream at once, here and on another server sharing the store', async () => {
    const other = await createApp({ ...database.options, config: app.config, watchIntervalMs: 0, incidentTickMs: 0, runRollbacks: false, revocationPollMs: 200, logger: createLogger({ level: 'silent' }) });
    try {
      const otherUrl = await listen(other, { host: '127.0.0.1', port: 0 });
      const created = await made('POST', '/api/v1/tokens', { name: unique('app'), role: 'flags', environments: [OWN] });
      const open = async (base: string) => {
        const response = await fetch(`${base}/api/v1/environments/${OWN}/flags/stream`, { headers: { authorization: `Bearer ${created.secret as string}` } });
        expect(response.status).toBe(200);
        return response.body as ReadableStream<Uint8Array>;
      };
      const here = await open(url);
      const there = await open(otherUrl);
      await made('DELETE', `/api/v1/tokens/${(created.token as { id: string }).id}`);
      // Within a second on both (the other server learns of it from the store).
      const [closedHere, closedThere] = await Promise.all([endsWithin(here, 1_000), endsWithin(there, 1_000)]);
      expect({ closedHere, closedThere }).toEqual({ closedHere: true, closedThere: true });
      const again = await fetch(`${otherUrl}/api/v1/environments/${OWN}/flags/stream`, { headers: { authorization: `Bearer ${created.secret as string}` } });
      expect(again.status).toBe(401);
    } finally {
      await other.close();
    }
  });
});
