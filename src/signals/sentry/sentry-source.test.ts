import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { watcherHarness } from '../../test-support/watcher-harness.js';
import { contextFor, defaultDeps, signalSourceContract } from '../signal-source-contract.js';
import { startFakeSentry } from './fake-sentry-api.js';
import { sentrySource } from './sentry-source.js';

const ORG = 'acme';
const TOKEN = 'sntrys_test_token_0123456789';
const PROJECT = '42';

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

signalSourceContract({
  definition: sentrySource as never,
  valid: { sentry: { org: ORG, project: PROJECT, token: TOKEN }, every: '1m' },
  working: async () => {
    const fake = await startFakeSentry({ org: ORG, token: TOKEN, project: PROJECT });
    const at = contextFor().now - 1000;
    fake.sessions.push({ release: 'v2', status: 'healthy', user: 'u1', at }, { release: 'v2', status: 'crashed', user: 'u2', at });
    return { config: { sentry: { org: ORG, project: PROJECT, token: TOKEN, url: fake.url } }, close: fake.close };
  },
  unreachable: async () => ({ config: { sentry: { org: ORG, project: PROJECT, token: TOKEN, url: `http://127.0.0.1:${await closedPort()}` } }, close: async () => undefined }),
});

describe('sentry signal', () => {
  it('reads release health of the watched release through the documented API, with the token', async () => {
    const fake = await startFakeSentry({ org: ORG, token: TOKEN, project: PROJECT });
    try {
      const context = contextFor();
      const at = context.now - 5000;
      for (let i = 0; i < 8; i++) fake.sessions.push({ release: 'v2', status: 'healthy', user: `u${i}`, at });
      fake.sessions.push({ release: 'v2', status: 'crashed', user: 'u0', at }, { release: 'v2', status: 'errored', user: 'u9', at });
      fake.sessions.push({ release: 'v1', status: 'healthy', user: 'old', at });
      fake.errors.push({ release: 'v2', at }, { release: 'v2', at }, { release: 'v1', at });
      const config = sentrySource.schema.parse({ sentry: { org: ORG, project: PROJECT, token: TOKEN, url: fake.url } });
      const reading = await sentrySource.create('sentry', config, defaultDeps()).read(context);
      expect(reading.samples?.error_rate).toMatchObject({ value: 0.2, numerator: 2, denominator: 10 });
      expect(reading.samples?.crash_free_sessions?.value).toBe(0.9);
      // Nine users (u0 had a healthy and a crashed session), one of them crashed.
      expect(reading.samples?.crash_free_users?.value).toBeCloseTo(8 / 9);
      expect(reading.samples?.errors?.value).toBe(2);
      expect(reading.baseline?.error_rate).toBe(0);
      expect(fake.requests.some((r) => r.includes('groupBy=session.status'))).toBe(true);

      const wrong = sentrySource.schema.parse({ sentry: { org: ORG, project: PROJECT, token: 'nope', url: fake.url } });
      const refused = await sentrySource.create('sentry', wrong, defaultDeps()).read(context);
      expect(refused.samples?.error_rate?.error).toBe('Sentry answered 401: Invalid token');
    } finally {
      await fake.close();
    }
  });

  it('feeds the canary judge counts per release, and a worse release rolls back', async () => {
    const fake = await startFakeSentry({ org: ORG, token: TOKEN, project: PROJECT });
    try {
      const h = watcherHarness(`service: pulse
environments:
  production:
    signals:
      sentry: { sentry: { org: ${ORG}, project: "${PROJECT}", token: ${TOKEN}, url: "${fake.url}" }, every: 1m }
    triggers:
      - { canary: [sentry.error_rate], severity: P1 }
`);
      h.deploy('v1');
      h.clock.advance(60_000);
      h.deploy('v2');
      let n = 0;
      for (let minute = 0; minute < 15 && h.verdict()?.verdict !== 'unhealthy'; minute++) {
        const at = h.clock.now().getTime();
        for (let i = 0; i < 400; i++) fake.sessions.push({ release: 'v1', status: i % 100 === 0 ? 'errored' : 'healthy', user: `a${n++}`, at });
        for (let i = 0; i < 100; i++) fake.sessions.push({ release: 'v2', status: i % 10 === 0 ? 'crashed' : 'healthy', user: `b${n++}`, at });
        h.clock.advance(60_000);
        await h.detection.tick();
      }
      const watch = h.verdict();
      expect(watch?.verdict).toBe('unhealthy');
      expect(watch?.triggers[0]?.facts[0]).toMatchObject({ signalKind: 'sentry', metric: 'error_rate' });
      expect(h.decisions[0]).toMatchObject({ severity: 'P1', action: 'rollback' });
    } finally {
      await fake.close();
    }
  });
});
