import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp, listen } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { seededRandom } from '../test-support/seeded-random.js';
import { RipcordProvider } from './ripcord-openfeature-provider.js';

const ADMIN = 'rcp_kill-by-evidence-admin-0000000';

/**
 * Kill switch by evidence, end to end: a real OpenFeature client (server SDK + ripcord's provider)
 * evaluates splitViewLayout (half the users get `on`), reports each request with `track`, the flag
 * trigger compares `on` with `off` and turns the flag off by itself once the evidence is enough.
 */
describe('kill switch by evidence', () => {
  let database: TestDatabase;
  let app: App;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const parsed = parseConfig(
      `service: pulse-messages
policy:
  P2: { action: kill_switch, within: 1h }
environments:
  production:
    flags:
      splitViewLayout: { state: ENABLED, variants: { on: true, off: false }, defaultVariant: off, targeting: { fractional: [[on, 50], [off, 50]] } }
    triggers:
      - { flag: splitViewLayout, canary: [errors], severity: P2 }
`,
      'ripcord.yaml',
      {},
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(parsed.config.environments.production?.triggers).toEqual([]);
    app = await createApp({ ...database.options, config: parsed.config, adminToken: ADMIN, watchIntervalMs: 0, logger: createLogger({ level: 'silent' }) });
    url = await listen(app, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await OpenFeature.close();
    await app?.close();
    await database?.drop();
  });

  it('turns splitViewLayout off by itself when its new variant errs more than the old one, saying why with the numbers', async () => {
    const token = (await app.tokens.create({ name: 'web-app', role: 'flags', environments: ['production'] }, 't')).secret;
    const provider = new RipcordProvider({ server: url, token, environment: 'production' });
    await OpenFeature.setProviderAndWait('kill-by-evidence', provider);
    const client = OpenFeature.getClient('kill-by-evidence');
    const fired: string[] = [];
    app.events.subscribe((event) => {
      if (event.type === 'trigger.fired') fired.push(event.explanation);
    });
    const random = seededRandom(17);
    const started = Date.now();
    const timeline: string[] = [];
    let requests = 0;
    let onRequests = 0;
    let killedAt: number | undefined;
    // Each request: evaluate, serve, report. `on` fails 20% of requests, `off` 1%.
    for (let i = 0; i < 4000 && killedAt === undefined; i++) {
      const user = { targetingKey: `user-${i % 300}` };
      const details = await client.getBooleanDetails('splitViewLayout', false, user);
      if (details.reason === 'ERROR' || details.reason === 'DISABLED') {
        killedAt = Date.now();
        timeline.push(`${killedAt - started} ms: request ${requests + 1} is served the caller default (flag off: ${details.errorCode ?? details.reason})`);
        break;
      }
      requests += 1;
      if (details.variant === 'on') onRequests += 1;
      const failed = random() < (details.variant === 'on' ? 0.2 : 0.01);
      client.track(failed ? 'error' : 'ok', user);
      // Every 25 requests the app waits for its reports to be answered, as a batching client would.
      if (requests % 25 === 0) await provider.flush();
    }
    await provider.flush();
    const flag = await app.flags.get('pulse-messages', 'production', 'splitViewLayout');
    expect(flag.definition.state).toBe('DISABLED');
    expect(killedAt, 'the flag was turned off before the requests ran out').toBeDefined();
    const [change] = await app.flags.history('pulse-messages', 'production', 'splitViewLayout');
    expect(change).toMatchObject({ actor: 'ripcord', version: 2 });
    expect(change?.reason).toMatch(/^kill switch by evidence \(P2, policy kill_switch\): variant on error rate \d+(\.\d+)?% \(\d+\/\d+\) vs off \d+(\.\d+)?% \(\d+\/\d+\); Bayes factor/);
    expect(fired).toHaveLength(1);
    // The old variant was never at fault: it kept its low error rate.
    const numbers = /variant on error rate [\d.]+% \((\d+)\/(\d+)\) vs off [\d.]+% \((\d+)\/(\d+)\)/.exec(change?.reason ?? '');
    const [onBad, onTotal, offBad, offTotal] = (numbers?.slice(1) ?? []).map(Number) as [number, number, number, number];
    expect(onBad / onTotal).toBeGreaterThan(offBad / offTotal);
    timeline.unshift(`0 ms: first request; ${requests} requests served before the switch (${onRequests} on), evidence at the switch: on ${onBad}/${onTotal} errors, off ${offBad}/${offTotal}`);
    timeline.push(`flag v${change?.version} by ${change?.actor}: ${change?.reason}`);
    console.info(`kill switch by evidence timeline:\n  ${timeline.join('\n  ')}`);
    // Stream and OFREP clients see it off: reason DISABLED, no value.
    const raw = await fetch(`${url}/ofrep/v1/evaluate/flags/splitViewLayout`, { method: 'POST', headers: { 'x-api-key': token, 'content-type': 'application/json' }, body: '{"context":{"targetingKey":"user-1"}}' });
    expect(await raw.json()).toMatchObject({ key: 'splitViewLayout', reason: 'DISABLED' });
  });

  it('refuses outcomes for another environment than the token’s, and bad bodies, naming the field', async () => {
    const token = (await app.tokens.create({ name: 'staging-app', role: 'flags', environments: ['staging'] }, 't')).secret;
    const post = (env: string, body: unknown) => fetch(`${url}/api/v1/environments/${env}/flag-outcomes`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('production', { outcomes: [{ flag: 'splitViewLayout', variant: 'on', ok: false }] })).status).toBe(403);
    const bad = await post('staging', { outcomes: [{ flag: 'splitViewLayout', variant: 'on', ok: 'no' }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('body.outcomes.0.ok');
  });
});
