import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { listeningPort } from '../test-support/listening-port.js';
import { until } from '../test-support/until.js';
import { fillQuery, PrometheusClient } from './prometheus-client.js';

const PROMETHEUS = process.env.RIPCORD_TEST_PROMETHEUS ?? '/usr/bin/prometheus';


/** Debian's Prometheus, started here on a loopback port, scraping a small app every second. */
describe('Prometheus signal against a real Prometheus', () => {
  let app: Server;
  let prometheus: ChildProcess;
  let dir: string;
  let url: string;
  let database: TestDatabase;
  let ripcord: App;
  // The app's counters: canary (v2) fails 10% of requests, baseline (v1) 1%.
  const counts = { canary: { ok: 0, err: 0 }, baseline: { ok: 0, err: 0 } };
  let timer: NodeJS.Timeout;

  beforeAll(async () => {
    if (spawnSync(PROMETHEUS, ['--version']).error) {
      throw new Error(`Prometheus is not installed at ${PROMETHEUS}: apt-get install -y prometheus (npm test's pre-test step, scripts/ensure-test-programs.mjs, does it as root), or set RIPCORD_TEST_PROMETHEUS`);
    }
    timer = setInterval(() => {
      counts.canary.ok += 90;
      counts.canary.err += 10;
      counts.baseline.ok += 990;
      counts.baseline.err += 10;
    }, 100);
    app = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.statusCode = 404;
        return res.end();
      }
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      const lines = ['# TYPE http_requests_total counter'];
      for (const [arm, release] of [['canary', 'v2'], ['baseline', 'v1']] as const) {
        lines.push(`http_requests_total{arm="${arm}",release="${release}",code="200"} ${counts[arm].ok}`);
        lines.push(`http_requests_total{arm="${arm}",release="${release}",code="500"} ${counts[arm].err}`);
      }
      lines.push('# TYPE http_request_p95_seconds gauge', 'http_request_p95_seconds{release="v2"} 0.42', 'http_request_p95_seconds{release="v1"} 0.25');
      res.end(`${lines.join('\n')}\n`);
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const appPort = (app.address() as AddressInfo).port;
    dir = mkdtempSync(join(tmpdir(), 'ripcord-prom-'));
    writeFileSync(join(dir, 'prometheus.yml'), `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: app\n    static_configs: [ { targets: ['127.0.0.1:${appPort}'] } ]\n`);
    // Port 0: the OS picks Prometheus's port, read back from the process's listening socket.
    const started = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--web.listen-address=127.0.0.1:0'], { stdio: 'ignore' });
    prometheus = started;
    await until(() => listeningPort(started.pid ?? 0) !== undefined || started.exitCode !== null, 'Prometheus to listen', 20_000);
    const port = listeningPort(started.pid ?? 0);
    if (port === undefined) throw new Error(`Prometheus (${PROMETHEUS}) exited with ${started.exitCode} before listening`);
    url = `http://127.0.0.1:${port}`;
    // The first scrape lands a few seconds after start: poll until two samples exist (rate needs them).
    const client = new PrometheusClient(url);
    const deadline = Date.now() + 40_000;
    for (;;) {
      const reading = await client.instant('count_over_time(http_requests_total{arm="canary",code="200"}[1m])');
      if ('value' in reading && reading.value >= 3) break;
      if (Date.now() > deadline) throw new Error(`Prometheus at ${url} did not scrape the test app within 40 s: ${JSON.stringify(reading)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    database = await createTestDatabase('sqlite');
  }, 60_000);

  afterAll(async () => {
    clearInterval(timer);
    await ripcord?.close();
    await database?.drop();
    prometheus?.kill('SIGTERM');
    await new Promise<void>((r) => app.close(() => r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads instant and range queries with {release}/{arm} filled in', async () => {
    const client = new PrometheusClient(url);
    const template = 'sum(rate(http_requests_total{arm="{arm}",code="500"}[5s])) / sum(rate(http_requests_total{arm="{arm}"}[5s]))';
    const canary = await client.instant(fillQuery(template, { arm: 'canary' }));
    const baseline = await client.instant(fillQuery(template, { arm: 'baseline' }));
    expect('value' in canary && canary.value).toBeCloseTo(0.1, 2);
    expect('value' in baseline && baseline.value).toBeCloseTo(0.01, 2);
    const now = Date.now();
    const range = await client.range(fillQuery('sum(http_requests_total{release="{release}"})', { release: 'v2' }), now - 5000, now, 1000);
    expect('points' in range && range.points.length).toBeGreaterThanOrEqual(3);
    if ('points' in range) expect((range.points.at(-1)?.value ?? 0) > (range.points[0]?.value ?? 0)).toBe(true);
  });

  it('turns failed reads into errors, never exceptions', async () => {
    expect(await new PrometheusClient(url).instant('sum(')).toMatchObject({ error: expect.stringMatching(/^Prometheus: .*parse error/) });
    expect(await new PrometheusClient(url).instant('absent_metric_xyz')).toEqual({ error: 'query returned no series' });
    // Nothing can listen on port 0, so connecting to it is always refused (and binds nothing).
    expect(await new PrometheusClient('http://127.0.0.1:0').instant('up')).toEqual({ error: 'Prometheus unreachable: ECONNREFUSED' });
  });

  it('feeds the watcher: error rate and P95 vs baseline from PromQL, the canary judge from counters', async () => {
    const yaml = `service: pulse
environments:
  production:
    signals:
      requests:
        prometheus:
          url: ${url}
          errors: 'sum(http_requests_total{arm="{arm}",code="500"})'
          total: 'sum(http_requests_total{arm="{arm}"})'
          p95: 'max(http_request_p95_seconds{release="{release}"})'
        every: 1s
    triggers:
      - { signal: requests.p95, above_baseline: 50%, severity: P1 }
      - { canary: [requests.error_rate], severity: P1 }
`;
    const parsed = parseConfig(yaml, 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed));
    ripcord = await createApp({ ...database.options, config: parsed.config, adminToken: 'rcp_test-admin-token-prometheus-01234', watchIntervalMs: 0, logger: createLogger({ level: 'silent' }) });
    await ripcord.ledger.record({ service: 'pulse', environment: 'production', version: 'v1' }, 'ci');
    await ripcord.ledger.record({ service: 'pulse', environment: 'production', version: 'v2' }, 'ci');
    const detection = ripcord.detection.detection;
    let watch = undefined as ReturnType<typeof detection.verdict>;
    for (let i = 0; i < 8; i++) {
      await detection.tick();
      watch = detection.verdict('pulse', 'production');
      if (watch?.triggers.every((t) => t.state === 'firing')) break;
      await new Promise((r) => setTimeout(r, 1100));
    }
    expect(watch?.signals['requests.p95']?.value).toBeCloseTo(420, 0);
    const p95 = watch?.triggers.find((t) => t.kind === 'baseline');
    expect(p95).toMatchObject({ state: 'firing', explanation: 'requests.p95 420ms vs baseline 250ms (+68%) > +50%' });
    const judge = watch?.triggers.find((t) => t.kind === 'canary');
    expect(judge?.state).toBe('firing');
    expect(judge?.explanation).toMatch(/^canary error rate 10% \(\d+\/\d+\) vs baseline 1% \(\d+\/\d+\); Bayes factor [\d,.e+]+ ≥ 1,000$/);
    expect(watch?.verdict).toBe('unhealthy');
  }, 30_000);
});
