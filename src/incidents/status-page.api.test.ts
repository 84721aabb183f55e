import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { ManualClock } from '../core/clock.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';

const ADMIN = 'rcp_status-page-test-admin-0123456789';
const MIN = 60_000;

/** The public status page through the real server and store: components, incidents, maintenance, uptime, feeds. */
describe('the public status page', () => {
  let database: TestDatabase;
  let app: App;
  const clock = new ManualClock('2026-03-10T12:00:00.000Z');
  /** Things only the team knows: none may reach a public answer. */
  const internal = ['2.0.0-rc.7', 'db1.internal', 'Bayes factor', 'alice', 'pulse-db-primary', 'production', 'null check in MessageList', 'rcp_'];

  const get = async (url: string, headers: Record<string, string> = {}) => {
    const response = await app.server.inject({ method: 'GET', url, headers });
    return { status: response.statusCode, type: String(response.headers['content-type']), body: response.body };
  };
  const call = async (method: string, url: string, body?: unknown) => {
    const response = await app.server.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, payload: JSON.stringify(body ?? {}) });
    return { status: response.statusCode, body: response.json() };
  };

  beforeAll(async () => {
    const yaml = [
      'service: pulse-messages',
      'incidents:',
      '  status_page: { title: Pulse, components: [Messaging, Web app] }',
      'environments:',
      '  production: {}',
    ].join('\n');
    const parsed = parseConfig(yaml, 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    database = await createTestDatabase('sqlite');
    app = await createApp({ ...database.options, config: parsed.config, adminToken: ADMIN, clock, watchIntervalMs: 0, incidentTickMs: 0, logger: createLogger({ level: 'silent' }) });
    const release = await app.ledger.record({ service: 'pulse-messages', environment: 'production', version: '2.0.0-rc.7', artifact: 'https://db1.internal/artifacts/2.0.0-rc.7.tgz' }, 'ci');

    // Two days ago: a P0 outage of Messaging for 60 minutes, resolved.
    clock.advance(-2 * 24 * 60 * MIN);
    const past = await app.incidents.open({ service: 'pulse-messages', environment: 'production', title: 'pulse-db-primary down on db1.internal', severity: 'P0', actor: 'ripcord', affected: ['Messaging', 'pulse-db-primary'], commander: 'alice' });
    await app.incidents.note(past.id, 'null check in MessageList; Bayes factor 1e9', 'alice');
    clock.advance(60 * MIN);
    await app.incidents.setStatus(past.id, 'resolved', 'alice');
    clock.advance(2 * 24 * 60 * MIN - 60 * MIN);

    // Now: a P1 on the web app, being fixed.
    const open = await app.incidents.open({ service: 'pulse-messages', environment: 'production', title: 'canary 2.0.0-rc.7 error rate 10% (Bayes factor 1e9)', severity: 'P1', actor: 'ripcord', affected: ['Web app'], commander: 'alice', releaseId: release.id });
    clock.advance(5 * MIN);
    await app.incidents.acknowledge(open.id, 'alice');
    await app.incidents.setStatus(open.id, 'mitigating', 'alice', 'rolling back 2.0.0-rc.7 on db1.internal');
    await app.incidents.idle();
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('shows components, the current incident with its public updates, and the overall state', async () => {
    const page = JSON.parse((await get('/status?format=json')).body);
    expect(page.title).toBe('Pulse');
    expect(page.components).toEqual([
      { name: 'Messaging', status: 'operational' },
      { name: 'Web app', status: 'partial_outage' },
    ]);
    expect(page.status).toBe('partial_outage');
    expect(page.incidents).toHaveLength(1);
    expect(page.incidents[0]).toMatchObject({ name: 'Degraded service: Web app', status: 'identified', impact: 'major', components: ['Web app'] });
    expect(page.incidents[0].updates.map((u: { status: string }) => u.status)).toEqual(['identified', 'investigating']);
    expect(page.history.map((i: { name: string }) => i.name)).toEqual(['Outage: Messaging']);
  });

  it('keeps 90 days of uptime per component from the incidents on record', async () => {
    const page = JSON.parse((await get('/status?format=json')).body);
    const messaging = page.uptime.find((u: { name: string }) => u.name === 'Messaging');
    expect(messaging.days).toHaveLength(90);
    expect(messaging.days.at(-3)).toEqual({ date: '2026-03-08', status: 'major_outage', outageMinutes: 60 });
    expect(messaging.days.filter((d: { status: string }) => d.status !== 'operational')).toHaveLength(1);
    // 89 whole days and today until 12:05; 60 minutes of major outage.
    expect(messaging.percent).toBeCloseTo(1 - 60 / (89 * 1440 + 725), 10);
    const web = page.uptime.find((u: { name: string }) => u.name === 'Web app');
    // The open P1 (a partial outage, weighing 30%) since its release went out at 12:00, five minutes ago.
    expect(web.days.at(-1)).toMatchObject({ date: '2026-03-10', status: 'partial_outage', outageMinutes: 5 });
    expect(web.percent).toBeCloseTo(1 - (5 * 0.3) / (89 * 1440 + 725), 10);
  });

  it('schedules maintenance in advance: scheduled → in_progress (component under maintenance) → completed', async () => {
    const bad = await call('POST', '/api/v1/maintenance', { title: 'Database upgrade', body: 'Messages may be delayed.', components: ['pulse-db-primary'], scheduled_for: '2026-03-11T02:00:00Z', scheduled_until: '2026-03-11T03:00:00Z' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('body.components: pulse-db-primary not on the status page');
    const backwards = await call('POST', '/api/v1/maintenance', { title: 'x', body: 'y', scheduled_for: '2026-03-11T03:00:00Z', scheduled_until: '2026-03-11T02:00:00Z' });
    expect(backwards.status).toBe(400);

    const created = await call('POST', '/api/v1/maintenance', { title: 'Database upgrade', body: 'Messages may be delayed for a few minutes.', components: ['Messaging'], scheduled_for: '2026-03-10T14:00:00Z', scheduled_until: '2026-03-10T15:00:00Z' });
    expect(created).toMatchObject({ status: 201, body: { status: 'scheduled', components: ['Messaging'] } });
    let page = JSON.parse((await get('/status?format=json')).body);
    expect(page.maintenances.map((m: { name: string; status: string }) => [m.name, m.status])).toEqual([['Database upgrade', 'scheduled']]);
    expect(page.components[0]).toEqual({ name: 'Messaging', status: 'operational' });

    clock.advance(2 * 60 * MIN + MIN);
    page = JSON.parse((await get('/status?format=json')).body);
    expect(page.maintenances[0].status).toBe('in_progress');
    expect(page.components[0]).toEqual({ name: 'Messaging', status: 'under_maintenance' });
    const summary = JSON.parse((await get('/status/api/v2/summary.json')).body);
    expect(summary.scheduled_maintenances[0]).toMatchObject({ name: 'Database upgrade', status: 'in_progress', impact: 'maintenance', scheduled_for: '2026-03-10T14:00:00.000Z' });

    const done = await call('POST', `/api/v1/maintenance/${created.body.id}/complete`);
    expect(done.body.status).toBe('completed');
    page = JSON.parse((await get('/status?format=json')).body);
    expect(page.components[0].status).toBe('operational');
    clock.advance(-(2 * 60 * MIN + MIN));
  });

  it('publishes a JSON summary in the shape of hosted status pages, and Atom and RSS feeds of incidents', async () => {
    const summary = JSON.parse((await get('/status/api/v2/summary.json', { host: 'status.example.com' })).body);
    expect(summary.page).toMatchObject({ id: 'pulse', name: 'Pulse', url: 'http://status.example.com/status', time_zone: 'Etc/UTC' });
    expect(summary.status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
    expect(summary.components.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
      ['messaging', 'operational'],
      ['web-app', 'partial_outage'],
    ]);
    expect(summary.incidents[0]).toMatchObject({ name: 'Degraded service: Web app', status: 'identified', impact: 'major', components: [{ id: 'web-app' }] });
    expect(summary.incidents[0].incident_updates[0]).toMatchObject({ status: 'identified', body: 'The issue affecting Web app has been identified and a fix is being applied.' });

    const atom = await get('/status/feed.atom');
    expect(atom.type).toContain('application/atom+xml');
    expect(atom.body).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    expect(atom.body.match(/<entry>/g)).toHaveLength(2);
    expect(atom.body).toContain('<title>Degraded service: Web app (identified)</title>');
    const rss = await get('/status/feed.rss');
    expect(rss.type).toContain('application/rss+xml');
    expect(rss.body.match(/<item>/g)).toHaveLength(2);
    expect(rss.body).toContain('<title>Outage: Messaging (resolved)</title>');
  });

  it('lets nothing internal out: no versions, hosts, trigger numbers, names or notes in any public answer', async () => {
    const answers = await Promise.all(['/status', '/status?format=json', '/status/api/v2/summary.json', '/status/feed.atom', '/status/feed.rss'].map((url) => get(url)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      for (const word of internal) expect(answer.body, word).not.toContain(word);
    }
    // The team sees it all through the token-checked API.
    const incidents = (await app.server.inject({ method: 'GET', url: '/api/v1/incidents', headers: { authorization: `Bearer ${ADMIN}` } })).body;
    expect(incidents).toContain('db1.internal');
  });
});
