import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonPath, runProbe } from './http-probe.js';

describe('runProbe against a real HTTP server', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/health') return res.end(JSON.stringify({ status: 'ok', checks: { db: true } }));
      if (req.url === '/degraded') return res.end(JSON.stringify({ status: 'degraded', checks: { db: false } }));
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 500);
      res.statusCode = 503;
      res.end('down');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('passes on the expected status and body', async () => {
    const result = await runProbe({ url: `${base}/health`, expect_status: 200, body_contains: '"ok"', json_path: '$.checks.db' });
    expect(result).toMatchObject({ ok: true, status: 200 });
  });

  it('fails with a reason: wrong status, JSON path value, timeout, connection refused', async () => {
    expect(await runProbe({ url: `${base}/nope` })).toMatchObject({ ok: false, status: 503, reason: 'expected status 2xx/3xx, got 503' });
    expect(await runProbe({ url: `${base}/degraded`, json_path: '$.status', json_equals: 'ok' })).toMatchObject({ ok: false, reason: '$.status is "degraded", expected "ok"' });
    expect(await runProbe({ url: `${base}/slow`, timeout: 100 })).toMatchObject({ ok: false, reason: 'timed out after 100ms' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await runProbe({ url: `http://127.0.0.1:${port}/health` })).toMatchObject({ ok: false, reason: 'connection refused' });
  });

  it('reads JSON paths with dots and indexes', () => {
    expect(readJsonPath({ a: { b: [{ c: 3 }] } }, '$.a.b[0].c')).toBe(3);
    expect(readJsonPath({ a: 1 }, 'a.b')).toBeUndefined();
  });
});
