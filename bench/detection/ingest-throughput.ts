import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createApp, listen } from '../../src/app.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/logger.js';
import { OutcomeAggregator } from '../../src/signals/outcome-aggregator.js';

export interface IngestResult {
  path: string;
  outcomes: number;
  seconds: number;
}

/** The aggregator alone, then `POST /api/v1/ingest` over loopback HTTP (plain and gzip), client in the same process. */
export async function measureIngest(): Promise<IngestResult[]> {
  const results: IngestResult[] = [];
  const aggregator = new OutcomeAggregator();
  const n = 2_000_000;
  const t0 = Date.now();
  let start = performance.now();
  for (let i = 0; i < n; i++) {
    aggregator.record({ service: 'web', environment: 'production', release: i % 20 === 0 ? 'canary' : 'baseline', ok: i % 97 !== 0, latencyMs: 20 + (i % 300), at: t0 + Math.floor(i / 100) });
  }
  results.push({ path: 'OutcomeAggregator.record (in process)', outcomes: n, seconds: (performance.now() - start) / 1000 });

  const dir = mkdtempSync(join(tmpdir(), 'ripcord-bench-'));
  const parsed = parseConfig('service: web\nenvironments:\n  production:\n    signals: { requests: { ingest: true } }\n', 'ripcord.yaml', {});
  if (!parsed.ok) throw new Error('bench config invalid');
  const app = await createApp({ dataDir: dir, config: parsed.config, adminToken: 'rcp_bench-admin-token-0123456789', logger: createLogger({ level: 'silent' }), watchIntervalMs: 0 });
  try {
    const url = await listen(app, { host: '127.0.0.1', port: 0 });
    const { secret } = await app.tokens.create({ name: 'bench-ingest', role: 'ingest' }, 'bench');
    const batchSize = 5000;
    const outcomes = Array.from({ length: batchSize }, (_, i) => ({ arm: i % 20 === 0 ? 'canary' : 'baseline', status: i % 97 === 0 ? 500 : 200, latency_ms: 20 + (i % 300), at: t0 + i }));
    const json = JSON.stringify({ environment: 'production', outcomes });
    const gz = gzipSync(json);
    for (const [label, body, headers] of [
      ['POST /api/v1/ingest, JSON, batches of 5,000, 4 concurrent', json, {}],
      ['POST /api/v1/ingest, gzip JSON, batches of 5,000, 4 concurrent', gz, { 'content-encoding': 'gzip' }],
    ] as const) {
      const batches = 200;
      let sent = 0;
      start = performance.now();
      const worker = async () => {
        while (sent < batches) {
          sent += 1;
          const response = await fetch(`${url}/api/v1/ingest`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, ...headers },
            body: body as string | Uint8Array<ArrayBuffer>,
          });
          if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
          await response.arrayBuffer();
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      results.push({ path: label, outcomes: batches * batchSize, seconds: (performance.now() - start) / 1000 });
    }
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
