import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { ManualClock } from '../core/clock.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { until } from '../test-support/until.js';

const MIN = 60_000;
const PUBLIC_URL = 'https://ripcord.example.com';

/**
 * Escalation, email, signed acknowledgement links, periodic updates and the in-app banner, end to end:
 * a real SMTP server (smtp-server) and a real HTTP receiver on loopback, a real store on disk, and a
 * server restart in the middle of the escalation. Slack cannot be reached from here: the HTTP receiver
 * stands in for an incoming webhook (JSON POST, answers "ok"). Each test opens its own incident on its
 * own store, app and clock, and reads only the messages sent during it.
 */
describe('incident escalation and communication', () => {
  let mails: ParsedMail[] = [];
  let posts: { path: string; body: Record<string, unknown> }[] = [];
  /** Messages the SMTP server is still parsing. */
  let parsing = 0;
  let smtp: SMTPServer;
  let receiver: Server;
  let database: TestDatabase;
  let app: App;
  let config: NonNullable<Parameters<typeof createApp>[0]>['config'];
  let clock = new ManualClock('2026-03-01T14:30:00Z');

  const start = () =>
    createApp({ ...database.options, config, clock, adminToken: 'rcp_escalation-test-admin-00000', watchIntervalMs: 0, incidentTickMs: 0, notifyRetry: { attempts: 2, baseDelayMs: 5 }, logger: createLogger({ level: 'silent' }) });
  /** Every message ripcord sent has been received and parsed. */
  const settle = async () => {
    await app.incidents.idle();
    await until(() => parsing === 0, 'the SMTP server to finish parsing');
  };
  const openIncident = async () => {
    const incident = await app.incidents.open({ service: 'pulse-messages', environment: 'production', title: 'Split view crashes', severity: 'P1', actor: 'ripcord', affected: ['split view'] });
    await settle();
    return incident.id;
  };
  /** Five minutes on: the escalation's second step pages Bob. */
  const escalateToBob = async () => {
    clock.advance(5 * MIN);
    await app.incidentTimers?.tick();
    await settle();
  };
  const pathOf = (url: string) => {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  };

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        parsing++;
        simpleParser(stream)
          .then((mail) => {
            mails.push(mail);
            callback();
          })
          .catch(callback)
          .finally(() => parsing--);
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        posts.push({ path: req.url ?? '', body: JSON.parse(body) as Record<string, unknown> });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const parsed = parseConfig(
      [
        'service: pulse-messages',
        'people:',
        '  alice: { name: Alice, email: alice@example.com, slack: "@alice" }',
        `  bob: { name: Bob, webhook: "${base}/bob" }`,
        'incidents:',
        `  public_url: ${PUBLIC_URL}`,
        '  update_every: 5m',
        `  email: { smtp: "smtp://127.0.0.1:${smtpPort}", from: ripcord@example.com }`,
        '  templates:',
        '    banner: "Heads up: {{affected}} is having trouble. Next update in {{update_every}}."',
        '  escalation:',
        '    Sev2:',
        '      steps: [ { after: 0m, to: alice }, { after: 5m, to: bob } ]',
        'environments:',
        '  production:',
        '    notify:',
        `      - { slack: "${base}/slack" }`,
        '      - { email: { to: [users@example.com] } }',
      ].join('\n'),
      'ripcord.yaml',
      {},
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    config = parsed.config;
  });
  afterAll(async () => {
    await new Promise((resolve) => receiver.close(resolve));
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });
  beforeEach(async () => {
    mails = [];
    posts = [];
    clock = new ManualClock('2026-03-01T14:30:00Z');
    database = await createTestDatabase('sqlite');
    app = await start();
  });
  afterEach(async () => {
    await app?.close();
    await database?.drop();
  });

  it('announces the incident to Slack and the users list, and pages the first step by email with a signed link', async () => {
    const incident = await app.incidents.get(await openIncident());
    expect(posts.filter((p) => p.path === '/slack').map((p) => String(p.body.text).split('\n')[0])).toContain('🚨 INCIDENT: Split view crashes');
    const announcement = mails.find((m) => m.subject === '[P1] pulse-messages incident: Split view crashes');
    expect(announcement?.text).toContain('Reason: Split view crashes');
    expect((announcement?.to as { text: string } | undefined)?.text).toBe('users@example.com');

    const page = mails.find((m) => (m.to as { text: string }).text === 'alice@example.com');
    expect(page?.text).toMatch(new RegExp(`Acknowledge: ${PUBLIC_URL}/api/v1/incidents/ack\\?incident=${incident.id}&who=alice&expires=\\d+&sig=[0-9a-f]{64}`));
    // The channel message mentions the person paged and carries the acknowledge button.
    const slackPage = posts.find((p) => p.path === '/slack' && JSON.stringify(p.body).includes('Paging @alice'));
    expect(JSON.stringify(slackPage?.body)).toContain('"text":"Acknowledge"');
    const timeline = (await app.incidents.get(incident.id)).timeline.map((t) => t.text);
    expect(timeline).toContain('escalation step 1/2: paging alice');
    expect(timeline.some((t) => /page \(escalation step 1\/2: paging alice\) sent via email alice@example\.com via 127\.0\.0\.1:\d+/.test(t))).toBe(true);
  });

  it('keeps escalating after a server restart: the next step pages Bob on time', async () => {
    const incidentId = await openIncident();
    expect(posts.filter((p) => p.path === '/bob')).toEqual([]);
    await app.close();
    clock.advance(5 * MIN);
    app = await start();
    await app.incidentTimers?.tick();
    await settle();
    const bob = posts.find((p) => p.path === '/bob');
    expect(bob?.body).toMatchObject({ type: 'incident.page', recipients: ['@bob'], incident: { id: incidentId } });
    expect(String(bob?.body.ackUrl)).toContain('who=bob');
  });

  it('acknowledges through the signed link: a GET shows a confirmation, the POST acknowledges, a forged link is refused', async () => {
    const incidentId = await openIncident();
    await escalateToBob();
    const link = String(posts.find((p) => p.path === '/bob')?.body.ackUrl);
    const shown = await app.server.inject({ method: 'GET', url: pathOf(link) });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('Acknowledge as bob');
    expect((await app.incidents.get(incidentId)).status).toBe('detected');

    const forged = await app.server.inject({ method: 'GET', url: pathOf(link).replace('who=bob', 'who=mallory') });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.message).toContain('signature does not match');

    const fields = Object.fromEntries(new URL(link).searchParams);
    const posted = await app.server.inject({ method: 'POST', url: '/api/v1/incidents/ack', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
    expect(posted.statusCode).toBe(200);
    expect(posted.body).toContain('Acknowledged');
    const acknowledged = await app.incidents.get(incidentId);
    expect(acknowledged.status).toBe('acknowledged');
    expect(acknowledged.timeline.find((t) => t.kind === 'status' && t.text.includes('acknowledged'))?.actor).toBe('bob (signed link)');

    // No more pages after the acknowledgement.
    const pagesBefore = posts.filter((p) => p.path === '/bob').length;
    clock.advance(10 * MIN);
    await app.incidentTimers?.tick();
    await settle();
    expect(posts.filter((p) => p.path === '/bob')).toHaveLength(pagesBefore);
  });

  it('posts a periodic update every update_every while the incident is open', async () => {
    const incidentId = await openIncident();
    const before = posts.filter((p) => p.path === '/slack' && String(p.body.text).includes('Split view')).length;
    clock.advance(5 * MIN);
    await app.incidentTimers?.tick();
    await settle();
    const slack = posts.filter((p) => p.path === '/slack');
    expect(slack.length).toBeGreaterThan(before);
    expect(JSON.stringify(slack.at(-1)?.body)).toContain('Update: Split view crashes');
    expect((await app.incidents.get(incidentId)).timeline.map((t) => t.text).some((t) => t.startsWith('periodic update sent via slack'))).toBe(true);
  });

  it('serves the in-app banner from the configured template while open, and nothing once resolved', async () => {
    const incidentId = await openIncident();
    const open = await app.server.inject({ method: 'GET', url: '/api/v1/environments/production/banner' });
    expect(open.statusCode).toBe(200);
    expect(open.json()).toMatchObject({ active: true, status: 'investigating', text: 'Heads up: split view is having trouble. Next update in 5 minutes.' });
    expect((await app.server.inject({ method: 'GET', url: '/api/v1/environments/staging/banner' })).json().error.message).toBe('no environment staging; environments: production');

    await app.incidents.setStatus(incidentId, 'resolved', 'alice');
    await settle();
    expect((await app.server.inject({ method: 'GET', url: '/api/v1/environments/production/banner' })).json()).toMatchObject({ active: false, text: null });
  });

  it('emails the users seed 002\'s [RESOLVED] notice', async () => {
    const incidentId = await openIncident();
    expect(mails.some((m) => m.subject === '[RESOLVED] pulse-messages Service Interruption')).toBe(false);
    await app.incidents.setStatus(incidentId, 'resolved', 'alice');
    await settle();
    const resolved = mails.find((m) => m.subject === '[RESOLVED] pulse-messages Service Interruption');
    expect(resolved?.text).toContain('The issue has been resolved and all systems are operating normally.');
    expect((resolved?.to as { text: string } | undefined)?.text).toBe('users@example.com');
  });
});
