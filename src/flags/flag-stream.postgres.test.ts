import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp, listen } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { until } from '../test-support/until.js';
import { RipcordFlagsClient } from './flags-client.js';

const ADMIN = 'rcp_flag-stream-admin-token-00000';
const flag = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };


/** Reads SSE blocks from a raw fetch, for protocol-level assertions. */
async function openStream(url: string, token: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers }, signal: controller.signal });
  const events: { event: string; id?: string; data: Record<string, unknown> }[] = [];
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(block.split('\n').filter((l) => /^(event|id|data): /.test(l)).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
          if (fields.data) events.push({ event: fields.event ?? 'message', id: fields.id, data: JSON.parse(fields.data) });
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  })();
  return { status: response.status, events, close: () => controller.abort() };
}

describe('flag change stream across two servers sharing PostgreSQL', () => {
  let database: TestDatabase;
  let a: App;
  let b: App;
  let urlA: string;
  let urlB: string;
  let appToken: string;

  const patch = (url: string, body: unknown) =>
    fetch(`${url}/api/v1/environments/production/flags`, { method: 'PATCH', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const parsed = parseConfig('service: pulse-messages\nenvironments:\n  production: {}\n', 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error('config');
    const options = { ...database.options, config: parsed.config, adminToken: ADMIN, watchIntervalMs: 0, logger: createLogger({ level: 'silent' }) };
    a = await createApp(options);
    b = await createApp(options);
    urlA = await listen(a, { host: '127.0.0.1', port: 0 });
    urlB = await listen(b, { host: '127.0.0.1', port: 0 });
    appToken = (await a.tokens.create({ name: 'web-app', role: 'flags', environments: ['production'] }, 'test')).secret;
    await a.flags.put('pulse-messages', 'production', 'splitViewLayout', flag as never, 'test');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('a kill switch on server A reaches a ripcord/flags client connected to server B', async () => {
    const client = new RipcordFlagsClient({ server: urlB, token: appToken, environment: 'production' });
    try {
      await client.ready();
      expect(client.getBoolean('splitViewLayout', false)).toBe(true);
      expect((await patch(urlA, { splitViewLayout: { enabled: false } })).status).toBe(200);
      await until(() => client.version('splitViewLayout') === 2, 'the change to reach server B');
      // Disabled: the caller's default applies, whatever it is.
      expect(client.getBoolean('splitViewLayout', false)).toBe(false);
      expect(client.getBoolean('splitViewLayout', true)).toBe(true);
    } finally {
      client.close();
    }
  });

  it('sends a snapshot, then changes; Last-Event-ID resumes with exactly the missed changes', async () => {
    const first = await openStream(`${urlA}/api/v1/environments/production/flags/stream`, appToken);
    expect(first.status).toBe(200);
    await until(() => first.events.length > 0, 'snapshot');
    expect(first.events[0]).toMatchObject({ event: 'snapshot', data: { flags: [{ key: 'splitViewLayout', version: 2 }] } });
    const seen = first.events[0]?.id as string;
    first.close();
    await patch(urlB, { splitViewLayout: { enabled: true } });
    await a.flags.put('pulse-messages', 'production', 'aiSummarization', flag as never, 'test');
    const resumed = await openStream(`${urlA}/api/v1/environments/production/flags/stream`, appToken, { 'last-event-id': seen });
    await until(() => resumed.events.length >= 2, 'the missed changes');
    expect(resumed.events.map((e) => `${e.event}:${e.data.key}:v${e.data.version}`)).toEqual(['change:splitViewLayout:v3', 'change:aiSummarization:v1']);
    resumed.close();
  });

  it('advertises the OFREP event stream and sends refetchEvaluation on a change', async () => {
    const bulk = await fetch(`${urlB}/ofrep/v1/evaluate/flags`, { method: 'POST', headers: { authorization: `Bearer ${appToken}`, 'content-type': 'application/json' }, body: '{}' });
    const body = (await bulk.json()) as { eventStreams: { type: string; url: string }[] };
    expect(body.eventStreams[0]?.type).toBe('sse');
    const url = body.eventStreams[0]?.url as string;
    expect(url).toMatch(/[?&]access=tok_\w+\.\d+\.[0-9a-f]{64}/);
    // The signed URL is reused for a minute (no HMAC per poll), so its access always has 59–60 minutes left.
    const expires = Number(/access=tok_\w+\.(\d+)\./.exec(url)?.[1]);
    expect(expires - Date.now()).toBeGreaterThan(59 * 60_000);
    const again = (await (await fetch(`${urlB}/ofrep/v1/evaluate/flags`, { method: 'POST', headers: { authorization: `Bearer ${appToken}`, 'content-type': 'application/json' }, body: '{}' })).json()) as typeof body;
    expect(again.eventStreams[0]?.url).toBe(url);
    // Like a browser's EventSource: no Authorization header, the URL's signed access is the credential.
    const stream = await openStream(url, '');
    expect(stream.status).toBe(200);
    await until(() => stream.events.length > 0, 'first event');
    await patch(urlA, { aiSummarization: { enabled: false } });
    await until(() => stream.events.length > 1, 'refetchEvaluation');
    // Unnamed messages ("message" events), as OpenFeature's OFREP web provider listens for them.
    expect(stream.events.map((e) => e.event)).toEqual(['message', 'message']);
    expect(stream.events[1]?.data).toEqual({ type: 'refetchEvaluation', flagKey: 'aiSummarization' });
    stream.close();
    // The access is bound to its environment and signed: another environment or an edited signature is refused.
    const forged = url.replace(/access=([^&]+)/, (_m, a: string) => `access=${a.slice(0, -1)}${a.endsWith('0') ? '1' : '0'}`);
    expect((await fetch(forged)).status).toBe(401);
    expect((await fetch(url.replace('/environments/production/', '/environments/staging/'))).status).toBe(401);
  });

  it('refuses a token of another environment', async () => {
    const staging = (await a.tokens.create({ name: 'staging-app', role: 'flags', environments: ['staging'] }, 'test')).secret;
    const response = await fetch(`${urlA}/api/v1/environments/production/flags/stream`, { headers: { authorization: `Bearer ${staging}` } });
    expect(response.status).toBe(403);
  });
});
