import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp, listen } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { createIngestClient, fastifyIngest, ingestMiddleware } from './ingest-client.js';

describe('ripcord/ingest client against a real ripcord server', () => {
  let database: TestDatabase;
  let ripcord: App;
  let url: string;
  let token: string;
  let appServer: Server;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const parsed = parseConfig('service: pulse\nenvironments:\n  production:\n    signals: { requests: { ingest: true } }\n', 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error('config');
    ripcord = await createApp({ ...database.options, config: parsed.config, adminToken: 'rcp_test-admin-token-ingest-client-0123', watchIntervalMs: 0, logger: createLogger({ level: 'silent' }) });
    url = await listen(ripcord, { host: '127.0.0.1', port: 0 });
    token = (await ripcord.tokens.create({ name: 'app', role: 'ingest', environments: ['production'] }, 'test')).secret;
  });
  afterAll(async () => {
    await new Promise<void>((r) => (appServer ? appServer.close(() => r()) : r()));
    await ripcord?.close();
    await database?.drop();
  });

  const window = (release: string) => ripcord.detection.aggregator.window('pulse', 'production', [release], 0, Date.now() + 1000);

  it('Node http middleware records each response; the batch arrives gzipped', async () => {
    const client = createIngestClient({ url, token, environment: 'production', release: 'v7', flushIntervalMs: 60_000 });
    const middleware = ingestMiddleware(client);
    appServer = createServer((req, res) => {
      middleware(req, res);
      res.statusCode = req.url === '/fail' ? 500 : 200;
      res.end('x');
    });
    await new Promise<void>((r) => appServer.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
    for (let i = 0; i < 9; i++) await (await fetch(`${base}/ok`)).text();
    await (await fetch(`${base}/fail`)).text();
    await client.close();
    expect(window('v7')).toMatchObject({ total: 10, errors: 1 });
    expect(client.dropped).toBe(0);
  });

  it('Fastify plugin records every route, and a wrong token drops the batch without throwing', async () => {
    const client = createIngestClient({ url, token, environment: 'production', arm: 'canary', flushIntervalMs: 60_000 });
    const app = Fastify();
    await app.register(fastifyIngest(client));
    app.get('/a', async () => 'a');
    for (let i = 0; i < 5; i++) await app.inject({ method: 'GET', url: '/a' });
    await client.close();
    await app.close();
    expect(window('canary').total).toBe(5);

    const errors: Error[] = [];
    const bad = createIngestClient({ url, token: 'rcp_wrong-token-000000000000000', environment: 'production', release: 'v7', onError: (e) => errors.push(e) });
    bad.record({ status: 200, latency_ms: 3 });
    await bad.close();
    expect(bad.dropped).toBe(1);
    expect(errors[0]?.message).toContain('answered 401');
  });
});
