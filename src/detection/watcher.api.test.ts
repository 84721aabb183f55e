import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { ManualClock } from '../core/clock.js';
import type { RipcordEvent } from '../core/events.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';

const ADMIN = 'rcp_test-admin-token-watcher-0123456789';

/**
 * The watcher end to end: real HTTP API, real probe target, SQLite, a manual clock. Each test gets its
 * own store, app, clock and tokens, with v1 then v2 recorded: none depends on what another did.
 */
describe('watcher through the API', () => {
  let database: TestDatabase;
  let app: App;
  let health: Server;
  let healthUrl: string;
  let healthy = true;
  let ingest: string;
  let operator: string;
  let events: RipcordEvent[] = [];
  let clock = new ManualClock('2026-03-01T10:00:00.000Z');

  const call = async (method: string, url: string, token: string, body?: unknown, gzip = false) => {
    const json = body === undefined ? undefined : JSON.stringify(body);
    const response = await app.server.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}), ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
      payload: json === undefined ? undefined : gzip ? gzipSync(json) : json,
    });
    return { status: response.statusCode, body: response.body ? response.json() : undefined };
  };

  /** One second of traffic: n baseline and m canary requests with the given error counts. */
  const traffic = (seconds: number, canary: { n: number; errors: number }, baseline: { n: number; errors: number }) => {
    const outcomes: unknown[] = [];
    for (let s = 0; s < seconds; s++) {
      const at = clock.now().getTime() - (seconds - s) * 1000;
      for (let i = 0; i < canary.n; i++) outcomes.push({ arm: 'canary', status: i < canary.errors ? 500 : 200, latency_ms: 40 + (i % 20), at });
      for (let i = 0; i < baseline.n; i++) outcomes.push({ arm: 'baseline', status: i < baseline.errors ? 503 : 200, latency_ms: 40 + (i % 20), at });
    }
    return outcomes;
  };

  beforeAll(async () => {
    health = createServer((_req, res) => {
      res.statusCode = healthy ? 200 : 503;
      res.end(healthy ? 'ok' : 'down');
    });
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/health`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => health.close(() => resolve()));
  });

  beforeEach(async () => {
    healthy = true;
    events = [];
    clock = new ManualClock('2026-03-01T10:00:00.000Z');
    database = await createTestDatabase('sqlite');
    const yaml = `service: pulse
environments:
  production:
    signals:
      requests: { ingest: true }
      health: { http: { url: ${healthUrl}, expect_status: 200, timeout: 1s }, every: 10s }
      alerts: { alertmanager: { match: { team: pulse } } }
      bugs: { reports: true }
    triggers:
      - { canary: [requests.error_rate], severity: P1 }
      - { signal: requests.error_rate, above: 5%, for: 5m, severity: P1 }
      - { signal: health.failures, above: 3, within: 5m, severity: P0 }
      - { alert: DatabaseDown, severity: P0, impact: data_loss }
      - { signal: bugs.count, above: 10, within: 1h, severity: P2 }
`;
    const parsed = parseConfig(yaml, 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error(`config should be valid: ${JSON.stringify(parsed)}`);
    app = await createApp({ ...database.options, config: parsed.config, adminToken: ADMIN, clock, watchIntervalMs: 0, logger: createLogger({ level: 'silent' }) });
    app.events.subscribe((e) => {
      events.push(e);
    });
    ingest = (await call('POST', '/api/v1/tokens', ADMIN, { name: 'app', role: 'ingest', environments: ['production'] })).body.secret;
    operator = (await call('POST', '/api/v1/tokens', ADMIN, { name: 'oncall', role: 'operator' })).body.secret;
    await app.ledger.record({ service: 'pulse', environment: 'production', version: 'v1' }, 'ci');
    clock.advance(60_000);
    await app.ledger.record({ service: 'pulse', environment: 'production', version: 'v2' }, 'ci');
  });
  afterEach(async () => {
    await app?.close();
    await database?.drop();
  });

  it('is inconclusive, not unhealthy, before any request outcome arrives', async () => {
    await app.detection.detection.tick();
    const watch = (await call('GET', '/api/v1/environments/production/verdict', operator)).body;
    expect(watch.verdict).toBe('inconclusive');
    expect(watch.explanation).toContain('no measurements yet');
    expect(watch.signals['health.failures'].value).toBe(0);
    expect(events.filter((e) => e.type === 'decision.made')).toEqual([]);
  });

  it('accepts gzip batches from an env-scoped ingest token only, and rejects bad batches whole', async () => {
    const ok = await call('POST', '/api/v1/ingest', ingest, { environment: 'production', outcomes: traffic(2, { n: 1, errors: 0 }, { n: 19, errors: 0 }) }, true);
    expect(ok).toMatchObject({ status: 202, body: { accepted: 40 } });
    expect((await call('POST', '/api/v1/ingest', operator, { environment: 'production', outcomes: [] })).status).toBe(403);
    const bad = await call('POST', '/api/v1/ingest', ingest, { environment: 'production', outcomes: [{ arm: 'canary', status: 200, latency_ms: 5 }, { latency_ms: 5, status: 200 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('body.outcomes.1: give "release" or "arm"');
    expect((await call('POST', '/api/v1/ingest', ingest, { environment: 'staging', outcomes: [] })).status).toBe(403);
  });

  // A decision, not the rollback itself: the plan's execution is covered by the rollback suites.
  it('decides by policy to roll back when the canary judge finds the canary worse, and says why with numbers', async () => {
    clock.advance(60_000);
    const body = { environment: 'production', outcomes: traffic(60, { n: 10, errors: 1 }, { n: 90, errors: 1 }) };
    expect((await call('POST', '/api/v1/ingest', ingest, body)).status).toBe(202);
    await app.detection.detection.tick();
    // The judge reads a bucket once, a second after it closed: the newest second is not in yet.
    const early = (await call('GET', '/api/v1/environments/production/verdict', operator)).body;
    expect(early.triggers.find((t: { kind: string }) => t.kind === 'canary').explanation).toContain('(59/590)');
    clock.advance(1000);
    await app.detection.detection.tick();
    const watch = (await call('GET', '/api/v1/environments/production/verdict', operator)).body;
    expect(watch.verdict).toBe('unhealthy');
    const judge = watch.triggers.find((t: { kind: string }) => t.kind === 'canary');
    expect(judge.state).toBe('firing');
    expect(judge.explanation).toMatch(/^canary error rate 10% \(60\/600\) vs baseline 1\.1% \(60\/5400\); Bayes factor [\d,.e+]+ ≥ 1,000$/);
    // 10% > 5%: seed 002's tree says rollback within 15 minutes.
    expect(watch.decision).toMatchObject({ severity: 'P1', action: 'rollback', status: 'approved' });
    const types = events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['trigger.fired', 'signal.first_bad', 'verdict.changed', 'decision.made']));
    const status = (await call('GET', '/api/v1/status', operator)).body;
    expect(status.environments[0].verdict).toMatchObject({ state: 'unhealthy', decisionId: watch.decision.id });
    const vetoed = await call('POST', `/api/v1/decisions/${watch.decision.id}/veto`, operator, { reason: 'upstream incident, not us' });
    expect(vetoed.body).toMatchObject({ status: 'vetoed', decidedBy: 'oncall' });
  });

  it('maps Alertmanager alerts to triggers: firing fires, resolved ends it', async () => {
    const alert = { status: 'firing', labels: { alertname: 'DatabaseDown', team: 'pulse' }, annotations: { summary: 'primary unreachable' }, startsAt: clock.now().toISOString(), fingerprint: 'f1' };
    const payload = (status: string) => ({ version: '4', status, receiver: 'ripcord', groupKey: 'g', alerts: [{ ...alert, status }] });
    expect((await call('POST', '/api/v1/alerts/alertmanager', ingest, payload('firing'))).body).toEqual({ firing: 1, resolved: 0 });
    await app.detection.detection.tick();
    const fired = events.filter((e) => e.type === 'trigger.fired' && e.trigger === 'alert DatabaseDown');
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ severity: 'P0', explanation: 'alert firing: DatabaseDown: primary unreachable' });
    // data loss → P0: a new, more severe decision.
    expect(events.filter((e) => e.type === 'decision.made').at(-1)).toMatchObject({ severity: 'P0', action: 'rollback' });
    expect((await call('POST', '/api/v1/alerts/alertmanager', ingest, payload('resolved'))).body).toEqual({ firing: 0, resolved: 1 });
    await app.detection.detection.tick();
    expect(events.some((e) => e.type === 'trigger.resolved' && e.trigger === 'alert DatabaseDown')).toBe(true);
    expect((await call('POST', '/api/v1/alerts/alertmanager', ingest, { version: '3', status: 'firing', alerts: [] })).status).toBe(400);
  });

  it('counts health probe failures and user bug reports', async () => {
    healthy = false;
    for (let i = 0; i < 4; i++) {
      clock.advance(10_000);
      await app.detection.detection.tick();
    }
    let watch = (await call('GET', '/api/v1/environments/production/verdict', operator)).body;
    expect(watch.triggers.find((t: { trigger: string }) => t.trigger.startsWith('health.failures'))).toMatchObject({ state: 'firing', explanation: 'health.failures: 4 in the last 5m > 3' });
    for (let i = 0; i < 11; i++) expect((await call('POST', '/api/v1/reports', ingest, { environment: 'production', title: `cannot send message ${i}` })).status).toBe(201);
    await app.detection.detection.tick();
    watch = (await call('GET', '/api/v1/environments/production/verdict', operator)).body;
    expect(watch.triggers.find((t: { trigger: string }) => t.trigger.startsWith('bugs.count')).state).toBe('firing');
  });
});

describe('watcher on a plain deploy (before/after, no canary arms)', () => {
  let database: TestDatabase;
  let app: App;
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const yaml = `service: pulse
environments:
  production:
    signals:
      requests: { ingest: true }
    triggers:
      - { canary: [requests.error_rate, requests.latency], severity: P1 }
      - { signal: requests.p95, above_baseline: 50%, severity: P2 }
      - { name: p95-margin, canary: [requests.p95], margin: 50%, severity: P2 }
`;
    const parsed = parseConfig(yaml, 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error('config should be valid');
    app = await createApp({ ...database.options, config: parsed.config, adminToken: ADMIN, clock, watchIntervalMs: 0, logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('fixes the baseline from the 10 minutes before the deploy and judges the new release against it', async () => {
    await app.ledger.record({ service: 'pulse', environment: 'production', version: 'v1' }, 'ci');
    const sink = app.detection.aggregator;
    const feed = (release: string, seconds: number, errorEvery: number, latency: (i: number) => number) => {
      const start = clock.now().getTime();
      for (let s = 0; s < seconds; s++) {
        for (let i = 0; i < 20; i++) sink.record({ service: 'pulse', environment: 'production', release, ok: (s * 20 + i) % errorEvery !== 0, latencyMs: latency(i), at: start + s * 1000 });
      }
      clock.advance(seconds * 1000);
    };
    feed('v1', 600, 100, (i) => 50 + i * 5); // 1% errors, P95 ≈ 145 ms
    await app.ledger.record({ service: 'pulse', environment: 'production', version: 'v2' }, 'ci');
    feed('v2', 120, 20, (i) => 80 + i * 10); // 5% errors, slower
    clock.advance(1000); // the judge reads each bucket a second after it closed
    await app.detection.detection.tick();
    const watch = app.detection.detection.verdict('pulse', 'production');
    expect(watch?.verdict).toBe('unhealthy');
    const judge = watch?.triggers.find((t) => t.kind === 'canary');
    expect(judge?.state).toBe('firing');
    expect(judge?.explanation).toMatch(/canary error rate 5% \(120\/2400\) vs baseline before release 1\.\d+%; Bayes factor [\d,.e+]+ ≥ 2,000/);
    expect(judge?.explanation).toContain('share slower than baseline P95');
    expect(watch?.triggers.find((t) => t.kind === 'baseline')?.state).toBe('firing');
    // v2's P95 (≈ 260 ms) is more than 50% above v1's (≈ 145 ms): the margin test is sure of it.
    const margin = watch?.triggers.find((t) => t.trigger === 'p95-margin');
    expect(margin?.state).toBe('firing');
    expect(margin?.explanation).toMatch(/^canary P95 \+50%: 10% \(240\/2400\) of canary requests slower than \d+ms \(baseline P95 ≤ \d+ms \+ 50%, effective \+\d+(\.\d+)?% over the measured baseline P95 \d+ms\), 5% allowed; Bayes factor/);
    // Outcomes that arrive late for a second the judge has read do not rewrite what it read.
    const judgedSecond = clock.now().getTime() - 30_000;
    for (let i = 0; i < 50; i++) sink.record({ service: 'pulse', environment: 'production', release: 'v2', ok: false, latencyMs: 90, at: judgedSecond });
    clock.advance(1000);
    await app.detection.detection.tick();
    const after = app.detection.detection.verdict('pulse', 'production')?.triggers.find((t) => t.kind === 'canary');
    expect(after?.explanation).toMatch(/canary error rate 5% \(120\/2400\)/);
  });
});
