import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { ManualClock } from '../core/clock.js';
import { createLogger } from '../logger.js';
import { webhookSignature } from '../notify/webhook-notifier.js';
import { until } from '../test-support/until.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';

const ADMIN = 'rcp_status-subscribers-test-admin-012345';
const PUBLIC_URL = 'https://status.example.com';

/** Status page subscribers end to end: a real SMTP server and a real webhook receiver on loopback. */
describe('status page subscribers', () => {
  const mails: ParsedMail[] = [];
  const hooks: { headers: IncomingHttpHeaders; raw: string }[] = [];
  let smtp: SMTPServer;
  let receiver: Server;
  let hookUrl: string;
  let database: TestDatabase;
  let app: App;
  const clock = new ManualClock('2026-03-10T12:00:00.000Z');

  const post = async (url: string, body: unknown, type = 'application/json') => {
    const response = await app.server.inject({ method: 'POST', url, headers: { 'content-type': type }, payload: type === 'application/json' ? JSON.stringify(body) : String(body) });
    return { status: response.statusCode, body: response.body, json: () => response.json() };
  };
  const pathOf = (link: string) => link.replace(PUBLIC_URL, '');
  const linkIn = (mail: ParsedMail | undefined, label: string) => mail?.text?.match(new RegExp(`${label}[^\\n]*?(${PUBLIC_URL}\\S+)`))?.[1] ?? '';

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        simpleParser(stream).then((mail) => {
          mails.push(mail);
          callback();
        }, callback);
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    receiver = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => {
        raw += c.toString();
      });
      req.on('end', () => {
        hooks.push({ headers: req.headers, raw });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/status-hook`;
    const yaml = [
      'service: pulse-messages',
      'incidents:',
      `  public_url: ${PUBLIC_URL}`,
      `  email: { smtp: "smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}", from: status@example.com }`,
      '  status_page: { title: Pulse, components: [Messaging, Web app] }',
      'environments:',
      '  production: {}',
    ].join('\n');
    const parsed = parseConfig(yaml, 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    database = await createTestDatabase('sqlite');
    app = await createApp({ ...database.options, config: parsed.config, adminToken: ADMIN, clock, watchIntervalMs: 0, incidentTickMs: 0, notifyRetry: { attempts: 2, baseDelayMs: 5 }, logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
    await new Promise((resolve) => receiver.close(resolve));
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('asks email subscribers to confirm first, sends them public updates only, and unsubscribes in one click', async () => {
    const asked = await post('/status/subscribe', 'email=reader%40example.com', 'application/x-www-form-urlencoded');
    expect(asked.status).toBe(201);
    expect(asked.body).toContain('We sent a confirmation link to reader@example.com');
    await until(() => mails.length === 1, 'the confirmation mail');
    const confirmLink = linkIn(mails[0], 'Confirm:');
    expect(mails[0]?.subject).toBe('Confirm your subscription to Pulse status updates');

    // Before confirmation nothing is sent.
    const first = await app.incidents.open({ service: 'pulse-messages', environment: 'production', title: 'canary 2.0.0-rc.7 errors (Bayes factor 1e9) on db1.internal', severity: 'P1', actor: 'ripcord', affected: ['Web app'], commander: 'alice' });
    await app.incidents.idle();
    expect(mails).toHaveLength(1);

    const confirmed = await app.server.inject({ method: 'GET', url: pathOf(confirmLink) });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.body).toContain('reader@example.com will get status updates');
    const forged = await app.server.inject({ method: 'GET', url: pathOf(confirmLink).replace(/.$/, (c) => (c === '0' ? '1' : '0')) });
    expect(forged.statusCode).toBe(404);

    await app.incidents.setStatus(first.id, 'mitigating', 'alice', 'rolling back 2.0.0-rc.7 on db1.internal');
    await app.incidents.idle();
    await until(() => mails.length === 2, 'the update mail');
    const update = mails[1];
    expect(update?.subject).toBe('[Pulse] Degraded service: Web app: identified');
    expect(update?.text).toContain('The issue affecting Web app has been identified and a fix is being applied.');
    for (const word of ['2.0.0-rc.7', 'db1.internal', 'Bayes', 'alice', 'production', 'pulse-messages']) expect(`${update?.subject}\n${update?.text}`, word).not.toContain(word);
    // The delivery is on the incident's timeline.
    const timeline = (await app.incidents.get(first.id)).timeline.map((t) => t.text);
    expect(timeline.some((t) => t.startsWith('status page update to 1 subscriber(s) (identified)') && t.includes('email reader@example.com'))).toBe(true);

    const unsubscribe = linkIn(update, 'Unsubscribe');
    const shown = await app.server.inject({ method: 'GET', url: pathOf(unsubscribe) });
    expect(shown.body).toContain('<button type="submit">Unsubscribe from status updates</button>');
    const gone = await app.server.inject({ method: 'POST', url: pathOf(unsubscribe), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(gone.statusCode).toBe(200);
    expect(gone.body).toContain('reader@example.com will get no more status updates');
    await app.incidents.setStatus(first.id, 'resolved', 'alice');
    await app.incidents.idle();
    expect(mails).toHaveLength(2);
  });

  it('signs webhook deliveries with the secret given once, and sends only the components asked for', async () => {
    const made = await post('/status/subscribe', { webhook: hookUrl, components: ['Messaging'] });
    expect(made.status).toBe(201);
    const { secret, status } = made.json();
    expect(status).toBe('active');
    expect(secret).toMatch(/^[0-9a-f]{48}$/);
    expect((await post('/status/subscribe', { webhook: hookUrl, components: ['pulse-db'] })).json().error.message).toContain('pulse-db not on this status page');
    expect((await post('/status/subscribe', {})).status).toBe(400);

    const other = await app.incidents.open({ service: 'pulse-messages', environment: 'production', title: 'web app slow', severity: 'P2', actor: 'ripcord', affected: ['Web app'] });
    await app.incidents.idle();
    expect(hooks).toHaveLength(0);
    await app.incidents.setStatus(other.id, 'resolved', 'ripcord');

    const outage = await app.incidents.open({ service: 'pulse-messages', environment: 'production', title: 'queue consumer on db1.internal stuck', severity: 'P0', actor: 'ripcord', affected: ['Messaging'] });
    await app.incidents.idle();
    await until(() => hooks.length === 1, 'the webhook delivery');
    const hook = hooks[0] as { headers: IncomingHttpHeaders; raw: string };
    expect(hook.headers['x-ripcord-signature']).toBe(webhookSignature(secret, String(hook.headers['x-ripcord-timestamp']), hook.raw));
    const payload = JSON.parse(hook.raw);
    expect(payload.incident).toMatchObject({ id: outage.id, title: 'Outage: Messaging', affected: ['Messaging'], environment: 'public' });
    expect(payload.fields.unsubscribe).toMatch(new RegExp(`^${PUBLIC_URL}/status/unsubscribe\\?token=`));
    expect(hook.raw).not.toContain('db1.internal');
  });
});
