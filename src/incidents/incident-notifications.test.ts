import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  raw: Buffer;
}

/**
 * A receiver's check written from docs/incidents.md, not from ripcord's code: `x-ripcord-signature` is
 * `v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`, compared in constant time; timestamps older than
 * 5 minutes are refused.
 */
function verifyAsReceiver(secret: string, headers: IncomingMessage['headers'], raw: Buffer, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const timestamp = headers['x-ripcord-timestamp'];
  const signature = headers['x-ripcord-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string' || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`${timestamp}.`), raw])).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Incident messages reach real local receivers. Slack cannot be reached from here: the Slack receiver
 * below stands in for an incoming webhook, which takes a JSON POST (text + blocks) and answers 200 "ok".
 */
describe('incident notifications', () => {
  const received: Received[] = [];
  let receiver: Server;
  let base: string;
  let database: TestDatabase;
  let app: App;
  const SECRET = 'whsec-incident-test-0123456789';

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        chunks.push(c);
      });
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        received.push({ path: req.url ?? '', headers: req.headers, body: raw.toString(), raw });
        if (req.url === '/broken') {
          res.statusCode = 500;
          res.end('down');
        } else res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    database = await createTestDatabase('sqlite');
    const parsed = parseConfig(
      `service: pulse-messages\nenvironments:\n  production:\n    notify:\n      - { slack: "${base}/slack" }\n      - { webhook: { url: "${base}/hook", secret: ${SECRET} } }\n      - { webhook: "${base}/broken" }\n`,
      'ripcord.yaml',
      {},
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    app = await createApp({ ...database.options, config: parsed.config, adminToken: 'rcp_notify-test-admin-000000000', watchIntervalMs: 0, notifyRetry: { attempts: 2, baseDelayMs: 5 }, logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('sends the seed 003 notification to Slack and a signed webhook, retries, and records every delivery', async () => {
    const incident = await app.incidents.open({ service: 'pulse-messages', environment: 'production', title: 'Split view crashes', severity: 'P1', actor: 'alice', commander: 'alice' });
    await app.incidents.idle();
    const slack = received.find((r) => r.path === '/slack');
    expect(slack).toBeDefined();
    const slackBody = JSON.parse(slack?.body ?? '{}') as { text: string; blocks: unknown[] };
    expect(slackBody.text).toContain('INCIDENT');
    expect(slackBody.blocks.length).toBeGreaterThan(0);
    expect(JSON.stringify(slackBody)).toContain('P1');

    const hook = received.find((r) => r.path === '/hook');
    if (!hook) throw new Error('the signed webhook received nothing');
    expect(hook.headers['x-ripcord-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyAsReceiver(SECRET, hook.headers, hook.raw)).toBe(true);
    // The same check refuses a changed body, another secret and a stale timestamp, so it is not vacuous.
    expect(verifyAsReceiver(SECRET, hook.headers, Buffer.concat([hook.raw, Buffer.from(' ')]))).toBe(false);
    expect(verifyAsReceiver('another-secret', hook.headers, hook.raw)).toBe(false);
    expect(verifyAsReceiver(SECRET, hook.headers, hook.raw, Number(hook.headers['x-ripcord-timestamp']) + 301)).toBe(false);
    expect(JSON.parse(hook?.body ?? '{}')).toMatchObject({ type: 'incident.opened', incident: { id: incident.id, severity: 'P1', title: 'Split view crashes' } });
    expect(hook?.body).not.toContain(SECRET);

    // The broken receiver was tried twice and the failure is on the timeline, not lost.
    expect(received.filter((r) => r.path === '/broken')).toHaveLength(2);
    const timeline = (await app.incidents.get(incident.id)).timeline.map((t) => t.text).join('\n');
    expect(timeline).toMatch(/incident notification sent via slack 127\.0\.0\.1:\d+/);
    expect(timeline).toMatch(/incident notification sent via webhook 127\.0\.0\.1:\d+\/hook/);
    expect(timeline).toMatch(/incident notification FAILED via webhook 127\.0\.0\.1:\d+\/broken after 2 attempts: .*500/);
  });
});
