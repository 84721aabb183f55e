import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signalSourceContract } from '../signal-source-contract.js';
import { httpSource } from './http-source.js';

async function server(status: number) {
  const s = createServer((_req, res) => {
    res.statusCode = status;
    res.end('ok');
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/health`;
  return { url, close: () => new Promise<void>((resolve) => s.close(() => resolve())) };
}

signalSourceContract({
  definition: httpSource as never,
  valid: { http: { url: 'http://127.0.0.1:1/health', expect_status: 200 }, every: '10s' },
  working: async () => {
    const s = await server(200);
    return { config: { http: s.url }, close: s.close };
  },
  unreachable: async () => {
    // A port that was just closed: connection refused.
    const s = await server(200);
    await s.close();
    return { config: { http: { url: s.url, timeout: '1s' } }, close: async () => undefined };
  },
});
