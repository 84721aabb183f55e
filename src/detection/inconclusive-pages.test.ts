import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { ManualClock } from '../core/clock.js';
import type { RipcordEvent } from '../core/events.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';

const MIN = 60_000;

/**
 * Issue 13, "missing data pages a person": Prometheus refusing connections makes the environment
 * inconclusive; after `page_after_inconclusive` an incident opens ("cannot judge production: Prometheus
 * unreachable: ECONNREFUSED") and the escalation policy pages, and nothing is rolled back.
 */
describe('an environment that cannot be judged pages a person', () => {
  let database: TestDatabase;
  let app: App;
  let receiver: Server;
  const pages: { path: string; body: Record<string, unknown> }[] = [];
  const events: RipcordEvent[] = [];
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        pages.push({ path: req.url ?? '', body: JSON.parse(body) as Record<string, unknown> });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    // A port that was just closed: Prometheus "refusing connections".
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const parsed = parseConfig(
      `service: pulse
people:
  alice: { name: Alice, webhook: "${base}/alice" }
environments:
  production:
    signals:
      requests: { prometheus: { url: "http://127.0.0.1:${deadPort}", error_ratio: 'sum(rate(errors{release="{release}"}[1m]))' }, every: 15s }
    triggers:
      - { signal: requests.error_rate, above: 5%, for: 5m, severity: P1 }
    detection: { page_after_inconclusive: 3m }
    escalation: [ { after: 0m, to: alice } ]
`,
      'ripcord.yaml',
      {},
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    database = await createTestDatabase('sqlite');
    app = await createApp({ ...database.options, config: parsed.config, clock, adminToken: 'rcp_blind-test-admin-0123456789', watchIntervalMs: 0, incidentTickMs: 0, notifyRetry: { attempts: 1, baseDelayMs: 5 }, logger: createLogger({ level: 'silent' }) });
    app.events.subscribe((e) => {
      events.push(e);
    });
    await app.ledger.record({ service: 'pulse', environment: 'production', version: 'v1' }, 'ci');
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('pages by the escalation policy after the configured time, once, and never decides a rollback', async () => {
    for (let i = 0; i < 8; i++) {
      await app.detection.detection.tick();
      await app.incidents.idle();
      if (i < 7) expect(events.filter((e) => e.type === 'detection.blind')).toEqual([]);
      clock.advance(25_000);
    }
    // 3m20s inconclusive: one incident, paged.
    await app.detection.detection.tick();
    await app.incidents.idle();
    const blind = events.filter((e) => e.type === 'detection.blind');
    expect(blind).toHaveLength(1);
    expect(blind[0]).toMatchObject({ severity: 'P2', explanation: 'cannot judge production: Prometheus unreachable: ECONNREFUSED' });
    const [incident] = await app.incidents.list({ service: 'pulse', environment: 'production' });
    expect(incident).toMatchObject({ title: 'cannot judge production: Prometheus unreachable: ECONNREFUSED', severity: 'P2', status: 'detected' });
    await app.incidentTimers?.tick();
    await app.incidents.idle();
    expect(pages.some((p) => p.path === '/alice' && JSON.stringify(p.body).includes('cannot judge production'))).toBe(true);

    // Still blind later: the same incident, no second page event, and no decision ever.
    clock.advance(2 * MIN);
    await app.detection.detection.tick();
    expect(events.filter((e) => e.type === 'detection.blind')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'decision.made')).toEqual([]);
    expect(app.detection.detection.verdict('pulse', 'production')?.verdict).toBe('inconclusive');
  });
});
