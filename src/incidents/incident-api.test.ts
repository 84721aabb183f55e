import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { ManualClock } from '../core/clock.js';
import type { RipcordEvent } from '../core/events.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';

const ADMIN = 'rcp_incident-api-admin-token-000000';

/** The incident around a bad release, driven by the events detection and the executor publish, read over HTTP. */
describe('incidents over the API', () => {
  let database: TestDatabase;
  let app: App;
  let releaseId: string;

  const call = async (method: string, url: string, body?: unknown, token: string | undefined = ADMIN, accept?: string) => {
    const response = await app.server.inject({
      method: method as 'GET',
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(accept ? { accept } : {}) },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.statusCode, body: response.body, json: () => response.json() as Record<string, unknown>, type: String(response.headers['content-type']) };
  };

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const parsed = parseConfig('service: pulse-messages\nenvironments:\n  production: {}\n', 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error('config');
    app = await createApp({ ...database.options, config: parsed.config, adminToken: ADMIN, watchIntervalMs: 0, clock: new ManualClock('2026-03-01T14:40:00.000Z'), logger: createLogger({ level: 'silent' }) });
    const release = await app.ledger.record({ service: 'pulse-messages', environment: 'production', version: 'v1.2.4', deployedAt: '2026-03-01T14:25:00.000Z' }, 'ci');
    releaseId = release.id;
    const base = { service: 'pulse-messages', environment: 'production', releaseId };
    const events: RipcordEvent[] = [
      { ...base, at: '2026-03-01T14:29:00.000Z', type: 'signal.first_bad', signal: 'requests.error_rate', explanation: 'error rate 9% > 5%' },
      { ...base, at: '2026-03-01T14:30:00.000Z', type: 'trigger.fired', trigger: 'canary judge', severity: 'P1', explanation: 'canary error rate 9.3% (14/150) vs baseline 0% (0/151); Bayes factor 2,449 ≥ 1,000' },
      { ...base, at: '2026-03-01T14:30:05.000Z', type: 'decision.made', decisionId: 'dec_1', severity: 'P1', action: 'rollback', explanation: 'P1 → rollback within 15m' },
      { ...base, at: '2026-03-01T14:30:06.000Z', type: 'rollback.started', planId: 'rbk_1', reason: 'canary judge', actor: 'ripcord' },
      { ...base, at: '2026-03-01T14:30:07.000Z', type: 'rollback.step', planId: 'rbk_1', step: 'switch traffic to the previous release', status: 'succeeded', durationMs: 4 },
      { ...base, at: '2026-03-01T14:30:08.000Z', type: 'rollback.finished', planId: 'rbk_1', outcome: 'succeeded', durationMs: 2_000, state: 'v1.2.3 is live' },
      { ...base, at: '2026-03-01T14:35:08.000Z', type: 'verification.finished', planId: 'rbk_1', passed: true, explanation: 'health 200; observed 5m healthy' },
    ];
    for (const event of events) await app.events.publish(event);
    await app.incidents.idle();
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('opens one incident for the bad release and follows it through mitigation', async () => {
    const list = (await call('GET', '/api/v1/incidents')).json().incidents as { id: string; severity: string; status: string; releaseId: string; milestones: Record<string, string> }[];
    expect(list).toHaveLength(1);
    const [incident] = list;
    expect(incident).toMatchObject({ severity: 'P1', releaseId });
    expect(incident?.milestones.started).toBe('2026-03-01T14:25:00.000Z');
    expect(incident?.milestones.detected).toBeDefined();
    const id = incident?.id as string;
    const acked = await call('POST', `/api/v1/incidents/${id}/ack`);
    expect(acked.status).toBe(200);
    // The rollback moved it to monitoring before anyone answered; the first ack is still the milestone.
    expect((acked.json().milestones as Record<string, string>).acknowledged).toBe('2026-03-01T14:40:00.000Z');
    const note = await call('POST', `/api/v1/incidents/${id}/notes`, { text: 'Root cause: missing null check in split view' });
    expect(note.status).toBe(200);
    expect((await call('POST', `/api/v1/incidents/${id}/actions`, { text: 'Add an integration test for split view', owner: 'alice' })).status).toBe(201);
    const resolved = await call('POST', `/api/v1/incidents/${id}/status`, { status: 'resolved', note: 'verified for 5 minutes' });
    expect(resolved.json()).toMatchObject({ status: 'resolved' });
    const back = await call('POST', `/api/v1/incidents/${id}/status`, { status: 'detected' });
    expect(back.status).toBe(409);
    const timeline = JSON.stringify((await call('GET', `/api/v1/incidents/${id}`)).json().timeline);
    expect(timeline).toContain('Bayes factor 2,449');
    expect(timeline).toContain('switch traffic to the previous release');
    expect(timeline).toContain('missing null check');
  });

  it('renders the report and post-mortem from the record, marking what a person must write', async () => {
    const [incident] = (await call('GET', '/api/v1/incidents')).json().incidents as { id: string }[];
    const report = await call('GET', `/api/v1/incidents/${incident?.id}/report`);
    expect(report.type).toContain('text/markdown');
    expect(report.body).toContain('# Incident Report');
    expect(report.body).toContain(`(release ${releaseId})`);
    expect(report.body).toContain('- **Duration**: 15 minutes');
    const postmortem = await call('GET', `/api/v1/incidents/${incident?.id}/postmortem`);
    expect(postmortem.body).toContain('_To be written');
    expect(postmortem.body).toContain('Add an integration test for split view');
    const log = await call('GET', '/api/v1/rollbacks/log');
    expect(log.body).toMatch(/\| Date \| Time \| Trigger \| Method \| Duration \| Root Cause \|/);
  });

  it('computes the recovery numbers against the seeds\' targets', async () => {
    const metrics = await call('GET', '/api/v1/metrics/recovery?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z');
    expect(metrics.status).toBe(200);
    const text = JSON.stringify(metrics.json());
    expect(text).toMatch(/MTTD|mttd/);
    expect(text).toContain('rollback');
  });

  it('serves a public status page without a token and without internal details', async () => {
    const json = await call('GET', '/status?format=json', undefined, undefined);
    expect(json.status).toBe(200);
    const page = json.body;
    expect(page).toContain('resolved');
    for (const secret of ['Bayes factor', 'rbk_1', releaseId, 'missing null check', 'alice']) expect(page).not.toContain(secret);
    const html = await call('GET', '/status', undefined, undefined);
    expect(html.type).toContain('text/html');
    expect(html.body).toContain('<html');
  });
});
