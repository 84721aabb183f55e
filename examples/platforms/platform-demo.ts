// `npm run demo:vercel` (or demo:netlify, demo:render): a rollback through one platform, end to end,
// against its local FAKE API (the platforms cannot run here). The fake starts with a good and a bad
// deployment, the bad one live; a small app on loopback answers /health as the live deployment would
// (200 for the good one, 500 for the bad one). ripcord watches that health URL, the P0 trigger fires,
// the policy rolls back through the real provider code (the same client that talks to the platform;
// only the base URL differs), verifies, and the demo prints the timeline. Every port is picked by the OS.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/logger.js';
import { FakeNetlifyApi } from '../../src/providers/netlify/fake-netlify-api.js';
import { FakeRenderApi } from '../../src/providers/render/fake-render-api.js';
import { FakeVercelApi } from '../../src/providers/vercel/fake-vercel-api.js';

interface FakePlatform {
  api: string;
  provider: string;
  good: string;
  bad: string;
  /** The version the platform serves now (what the app answers for). */
  liveVersion(): string | undefined;
  close(): Promise<void>;
}

const latencyMs = Number(process.env.DEMO_PLATFORM_LATENCY_MS ?? 1500);

async function startPlatform(kind: string): Promise<FakePlatform> {
  if (kind === 'vercel') {
    const fake = new FakeVercelApi({ token: 'demo-vercel-token', teamId: 'team_demo', completionMs: latencyMs });
    const api = await fake.listen();
    const good = fake.deploy('1.0.0', 'a1b2c3d', 'ana');
    const bad = fake.deploy('2.0.0', 'e4f5a6b', 'bo');
    const version = (uid: string | undefined) => fake.deployments.find((d) => d.uid === uid)?.version;
    return { api, provider: `{ kind: vercel, project: web, team: team_demo, token: demo-vercel-token, api: '${api}', poll: 200ms }`, good: good.uid, bad: bad.uid, liveVersion: () => version(fake.production), close: () => fake.close() };
  }
  if (kind === 'netlify') {
    const fake = new FakeNetlifyApi({ token: 'demo-netlify-token', completionMs: latencyMs });
    const api = await fake.listen();
    const good = fake.deploy('1.0.0', 'a1b2c3d');
    const bad = fake.deploy('2.0.0', 'e4f5a6b');
    return { api, provider: `{ kind: netlify, site: ${fake.siteId}, token: demo-netlify-token, api: '${api}', poll: 200ms }`, good: good.id, bad: bad.id, liveVersion: () => fake.current()?.version, close: () => fake.close() };
  }
  if (kind === 'render') {
    const fake = new FakeRenderApi({ token: 'demo-render-key', completionMs: latencyMs });
    const api = await fake.listen();
    const good = fake.deploy('1.0.0', 'a1b2c3d');
    const bad = fake.deploy('2.0.0', 'e4f5a6b');
    return { api, provider: `{ kind: render, service: ${fake.serviceId}, token: demo-render-key, api: '${api}', poll: 200ms }`, good: good.id, bad: bad.id, liveVersion: () => fake.live()?.version, close: () => fake.close() };
  }
  throw new Error(`usage: platform-demo.ts vercel|netlify|render (got ${kind})`);
}

async function main(): Promise<void> {
  const kind = process.argv[2] ?? 'vercel';
  const platform = await startPlatform(kind);
  // The production app as the platform serves it: healthy only when the good version is live.
  const app = createServer((_req, res) => {
    const version = platform.liveVersion();
    res.writeHead(version === '1.0.0' ? 200 : 500, { 'content-type': 'application/json' }).end(JSON.stringify({ version }));
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const health = `http://127.0.0.1:${(app.address() as AddressInfo).port}/health`;
  const dataDir = mkdtempSync(join(tmpdir(), `ripcord-demo-${kind}-`));
  const yaml = `service: web
environments:
  production:
    provider: ${platform.provider}
    signals:
      health: { http: ${health}, every: 1s }
    triggers:
      - { signal: health.failures, above: 2, within: 1m, severity: P0 }
    rollback: [ previous_release ]
    verify: [ health ]
`;
  const parsed = parseConfig(yaml, join(dataDir, 'ripcord.yaml'), {});
  if (!parsed.ok) throw new Error(`demo config invalid: ${JSON.stringify(parsed.problems)}`);
  const ripcord = await createApp({ config: parsed.config, dataDir, watchIntervalMs: 500, incidentTickMs: 0, logger: createLogger({ level: 'warn' }), configFile: join(dataDir, 'ripcord.yaml') });
  const started = Date.now();
  const say = (text: string) => console.log(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s  ${text}`);
  const finished = new Promise<{ outcome: string }>((resolve) => {
    ripcord.events.subscribe((event) => {
      if (event.type === 'trigger.fired') say(`trigger ${event.trigger} fired (${event.severity}): ${event.explanation}`);
      if (event.type === 'decision.made') say('decision: roll back');
      if (event.type === 'rollback.step' && event.status !== 'running') say(`step "${event.step}" ${event.status}${event.detail ? `: ${event.detail}` : ''}`);
      if (event.type === 'rollback.finished') resolve({ outcome: event.outcome });
    });
  });
  try {
    console.log(`ripcord ${kind} demo: fake ${kind} API at ${platform.api} (rollback completes ${latencyMs} ms after it is accepted), app at ${health}`);
    const good = await ripcord.ledger.record({ service: 'web', environment: 'production', version: '1.0.0', commit: 'a1b2c3d', providerDeploymentId: platform.good, status: 'live' }, 'ana');
    await ripcord.ledger.markStable(good.id, 'ana');
    await ripcord.ledger.record({ service: 'web', environment: 'production', version: '2.0.0', commit: 'e4f5a6b', providerDeploymentId: platform.bad, status: 'live' }, 'bo');
    say(`2.0.0 (${platform.bad}) is live on ${kind}; the app answers ${(await fetch(health)).status}`);
    const result = await Promise.race([finished, new Promise<{ outcome: string }>((_, reject) => setTimeout(() => reject(new Error('no rollback within 60 s')), 60_000))]);
    say(`rollback ${result.outcome}; ${kind} serves ${platform.liveVersion()}; the app answers ${(await fetch(health)).status}`);
    await ripcord.incidents.idle();
    const [incident] = await ripcord.incidents.list({ service: 'web' });
    if (incident) {
      console.log(`\nincident ${incident.id} timeline:`);
      for (const entry of incident.timeline) console.log(`  ${entry.at.slice(11, 23)}  ${entry.kind.padEnd(14)} ${entry.text}`);
    }
    if (result.outcome !== 'succeeded') process.exitCode = 1;
  } finally {
    await ripcord.close();
    await new Promise<void>((resolve) => app.close(() => resolve()));
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
