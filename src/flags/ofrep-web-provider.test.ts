import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature, ProviderEvents } from '@openfeature/web-sdk';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp, listen } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { until } from '../test-support/until.js';

const ADMIN = 'rcp_ofrep-web-admin-token-000000';
const flag = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };

/** Streams the provider opened and the server answered (the `open` event: 200, text/event-stream). */
const opened: EventSource[] = [];
class ObservedEventSource extends EventSource {
  constructor(...args: ConstructorParameters<typeof EventSource>) {
    super(...args);
    this.addEventListener('open', () => opened.push(this));
  }
}

/**
 * OpenFeature's web SDK with the official OFREP web provider, as a browser app uses it: one bulk
 * evaluation, then the advertised event stream. Node has no EventSource; the `eventsource` package is
 * the WHATWG one a browser has built in, and like a browser's it sends no Authorization header, so the
 * stream opens with the signed access in its URL. Polling is set to an hour: a change seen within
 * seconds came through the stream.
 */
describe('OFREP web provider (@openfeature/web-sdk) against ripcord', () => {
  let database: TestDatabase;
  let app: App;
  let url: string;

  beforeAll(async () => {
    (globalThis as { EventSource?: unknown }).EventSource = ObservedEventSource;
    database = await createTestDatabase('sqlite');
    const parsed = parseConfig('service: pulse-messages\nenvironments:\n  production: {}\n', 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    app = await createApp({ ...database.options, config: parsed.config, adminToken: ADMIN, watchIntervalMs: 0, logger: createLogger({ level: 'silent' }) });
    url = await listen(app, { host: '127.0.0.1', port: 0 });
    await app.flags.put('pulse-messages', 'production', 'splitViewLayout', flag as never, 'test');
  });
  afterAll(async () => {
    await OpenFeature.close();
    await app?.close();
    await database?.drop();
    delete (globalThis as { EventSource?: unknown }).EventSource;
  });

  it('evaluates, then sees a kill switch through the event stream without polling', async () => {
    const token = (await app.tokens.create({ name: 'web-app', role: 'flags', environments: ['production'] }, 'test')).secret;
    const provider = new OFREPWebProvider({ baseUrl: url, headers: [['Authorization', `Bearer ${token}`]], pollInterval: 3_600_000, cacheMode: 'disabled', disableVisibilityRefresh: true });
    await OpenFeature.setContext('web', { targetingKey: 'user-1' });
    await OpenFeature.setProviderAndWait('web', provider);
    const client = OpenFeature.getClient('web');
    expect(client.getBooleanDetails('splitViewLayout', false)).toMatchObject({ value: true, variant: 'on' });

    let changed = 0;
    client.addHandler(ProviderEvents.ConfigurationChanged, () => {
      changed++;
    });
    // Flip only once the provider's stream is open: a change seen after that came through it.
    await until(() => opened.length > 0, 'the web provider to open its event stream');
    const flipped = await fetch(`${url}/api/v1/environments/production/flags`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ splitViewLayout: { enabled: false } }),
    });
    expect(flipped.status).toBe(200);
    await until(() => client.getBooleanDetails('splitViewLayout', false).reason === 'DISABLED', 'the kill switch to reach the web provider');
    expect(client.getBooleanDetails('splitViewLayout', false).value).toBe(false);
    expect(changed).toBeGreaterThan(0);
  });
});
