/**
 * npm run bench:flags — kill-switch propagation to 1,000 stream clients (one server; two servers on
 * PostgreSQL), OFREP evaluation throughput with 50 flags, and the cost of a local evaluation in the
 * ripcord/flags client. Writes bench/results/flags.md. Everything runs on loopback.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { type App, createApp, listen } from '../../src/app.js';
import { parseConfig } from '../../src/config/load-config.js';
import { RipcordFlagsClient } from '../../src/flags/flags-client.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase } from '../../src/test-support/databases.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const FLIPS = Number(process.env.BENCH_FLIPS ?? 10);
const ADMIN = 'rcp_bench-admin-token-0000000000000';

/** 50 flags like a real app has: booleans, string variants, targeting rules, fractional rollouts. */
function realisticFlags(): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (let i = 0; i < 50; i++) {
    const key = `feature${String(i).padStart(2, '0')}`;
    if (i % 5 === 0) flags[key] = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractional: [{ var: 'targetingKey' }, ['on', 20], ['off', 80]] } };
    else if (i % 5 === 1) flags[key] = { state: 'ENABLED', variants: { a: 'blue', b: 'green', c: 'red' }, defaultVariant: 'a', targeting: { if: [{ in: [{ var: 'plan' }, ['pro', 'team']] }, 'b', 'a'] } };
    else if (i % 5 === 2) flags[key] = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on', targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'off', null] } };
    else flags[key] = { state: i % 7 === 0 ? 'DISABLED' : 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };
  }
  return flags;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

/** A minimal SSE reader on a raw socket: 1,000 of them must be cheap. Calls `onChange` per change event. */
function connectStream(url: string, token: string, onChange: (version: number) => void): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, agent: false }, (response) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.includes('event: snapshot')) resolve(request);
          const match = /event: change\ndata: .*"version":(\d+)/.exec(block);
          if (match) onChange(Number(match[1]));
          end = buffer.indexOf('\n\n');
        }
      });
    });
    request.on('error', reject);
  });
}

async function propagation(patchUrl: string, streamUrl: string, token: string): Promise<{ p50: number; p99: number; max: number; samples: number }> {
  const arrivals = new Map<number, number[]>();
  const requests: http.ClientRequest[] = [];
  for (let i = 0; i < CLIENTS; i += 50) {
    requests.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, CLIENTS - i) }, () =>
          connectStream(streamUrl, token, (version) => {
            const list = arrivals.get(version) ?? [];
            list.push(performance.now());
            arrivals.set(version, list);
          }),
        ),
      )),
    );
  }
  const latencies: number[] = [];
  let enabled = false;
  for (let flip = 0; flip < FLIPS; flip++) {
    const response = await fetch(patchUrl, { method: 'PATCH', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ feature03: { enabled } }) });
    const returned = performance.now();
    const { flags } = (await response.json()) as { flags: { version: number }[] };
    const version = flags[0]?.version as number;
    const deadline = Date.now() + 10_000;
    while ((arrivals.get(version)?.length ?? 0) < CLIENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const got = arrivals.get(version) ?? [];
    if (got.length < CLIENTS) throw new Error(`only ${got.length}/${CLIENTS} clients saw version ${version} within 10 s`);
    // Time from the PATCH returning; a client may see it before the answer arrives (then 0).
    for (const at of got) latencies.push(Math.max(0, at - returned));
    enabled = !enabled;
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const request of requests) request.destroy();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] as number, samples: latencies.length };
}

async function startApps(count: number, databaseOptions: { dataDir?: string; databaseUrl?: string }): Promise<{ apps: App[]; urls: string[]; token: string }> {
  const parsed = parseConfig(`service: bench\nenvironments:\n  production:\n    flags: ${JSON.stringify(realisticFlags())}\n`, 'ripcord.yaml', {});
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const apps: App[] = [];
  const urls: string[] = [];
  for (let i = 0; i < count; i++) {
    const app = await createApp({ ...databaseOptions, config: parsed.config, adminToken: ADMIN, watchIntervalMs: 0, logger: createLogger({ level: 'error' }) });
    apps.push(app);
    urls.push(await listen(app, { host: '127.0.0.1', port: 0 }));
  }
  const token = (await (apps[0] as App).tokens.create({ name: `bench-${Date.now()}`, role: 'flags', environments: ['production'] }, 'bench')).secret;
  return { apps, urls, token };
}

interface Throughput {
  tool: string;
  rps: number;
  p99: string;
  errors: number;
  non2xx: number;
}

/** wrk (Debian's, written in C) costs the shared CPU far less than autocannon, so it shows more of the server. */
async function wrkThroughput(url: string, token: string, seconds: number): Promise<Throughput | undefined> {
  const script = join(mkdtempSync(join(tmpdir(), 'ripcord-wrk-')), 'post.lua');
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = '{"context":{"targetingKey":"user-42","plan":"pro","email":"a@b.c"}}'\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer ${token}"\n`,
  );
  const out = await new Promise<string>((resolve) => {
    const child = spawn('wrk', ['-t1', '-c50', `-d${seconds}s`, '--latency', '-s', script, url]);
    let text = '';
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString();
    });
    child.on('error', () => resolve(''));
    child.on('close', () => resolve(text));
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  if (!rps) return undefined;
  return { tool: 'wrk (1 thread, 50 connections)', rps, p99: /99%\s+(\S+)/.exec(out)?.[1] ?? '?', errors: Number(/Socket errors: .*?(\d+)/.exec(out)?.[1] ?? 0), non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) };
}

async function ofrepThroughput(): Promise<Throughput[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-bench-flags-'));
  writeFileSync(join(dir, 'ripcord.yaml'), `service: bench\nenvironments:\n  production:\n    flags: ${JSON.stringify(realisticFlags())}\n`);
  // The server in its own process, as in production; the load generator here.
  const server: ChildProcess = spawn(join(process.cwd(), 'bin/ripcord'), ['serve', '--port', '0', '--data-dir', join(dir, 'data'), '--ofrep-rate-limit', '1000000'], {
    cwd: dir,
    env: { ...process.env, RIPCORD_ADMIN_TOKEN: ADMIN, RIPCORD_LOG_LEVEL: 'error' },
  });
  let out = '';
  server.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const deadline = Date.now() + 30_000;
  while (!/listening: (http:\S+)/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const url = /listening: (http:\S+)/.exec(out)?.[1] as string;
  try {
    const created = await fetch(`${url}/api/v1/tokens`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench-app', role: 'flags', environments: ['production'] }) });
    const { secret } = (await created.json()) as { secret: string };
    const seconds = Number(process.env.BENCH_SECONDS ?? 10);
    const viaWrk = await wrkThroughput(`${url}/ofrep/v1/evaluate/flags/feature01`, secret, seconds);
    const result = await autocannon({
      url: `${url}/ofrep/v1/evaluate/flags/feature01`,
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ context: { targetingKey: 'user-42', plan: 'pro', email: 'a@b.c' } }),
      connections: 50,
      duration: seconds,
    });
    return [
      ...(viaWrk ? [viaWrk] : []),
      { tool: 'autocannon (50 connections)', rps: result.requests.average, p99: `${result.latency.p99}ms`, errors: result.errors, non2xx: result.non2xx },
    ];
  } finally {
    server.kill('SIGTERM');
  }
}

function localEvaluationCost(client: RipcordFlagsClient): number {
  const n = 200_000;
  let sink = 0;
  const start = performance.now();
  for (let i = 0; i < n; i++) if (client.getBoolean(`feature${String(i % 50).padStart(2, '0')}`, false, { targetingKey: `user-${i}`, email: 'x@example.com' })) sink++;
  const ns = ((performance.now() - start) * 1e6) / n;
  if (sink < 0) console.log(sink);
  return ns;
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  console.log(`propagation: ${CLIENTS} stream clients, one server (SQLite)…`);
  const single = await startApps(1, { dataDir: mkdtempSync(join(tmpdir(), 'ripcord-bench-')) });
  const one = await propagation(`${single.urls[0]}/api/v1/environments/production/flags`, `${single.urls[0]}/api/v1/environments/production/flags/stream`, single.token);
  const client = new RipcordFlagsClient({ server: single.urls[0] as string, token: single.token, environment: 'production' });
  await client.ready();
  const localNs = localEvaluationCost(client);
  client.close();
  for (const app of single.apps) await app.close();

  console.log(`propagation: ${CLIENTS} stream clients on server B, PATCH on server A (PostgreSQL)…`);
  const database = await createTestDatabase('postgres');
  const pair = await startApps(2, database.options);
  const two = await propagation(`${pair.urls[0]}/api/v1/environments/production/flags`, `${pair.urls[1]}/api/v1/environments/production/flags/stream`, pair.token);
  for (const app of pair.apps) await app.close();
  await database.drop();

  console.log('OFREP throughput…');
  const ofrep = await ofrepThroughput();
  const rows = ofrep.map((r) => `| ${r.tool} | ${Math.round(r.rps).toLocaleString('en-US')} | ${r.p99} | ${r.errors} | ${r.non2xx} |`).join('\n');

  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const table = `# Flags benchmark

Command: \`npm run bench:flags\` (BENCH_CLIENTS=${CLIENTS}, BENCH_FLIPS=${FLIPS}). Run ${started} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load generator, clients and servers on the same machine (loopback), other work may have been running.

## Kill-switch propagation

Time from the \`PATCH /api/v1/environments/production/flags\` answer arriving to each SSE stream client having received the change (${FLIPS} flips × ${CLIENTS} clients). Target: P99 < 250 ms.

| set-up | clients | samples | P50 | P99 | max |
| --- | --- | --- | --- | --- | --- |
| one server (SQLite) | ${CLIENTS} | ${one.samples} | ${ms(one.p50)} | ${ms(one.p99)} | ${ms(one.max)} |
| two servers, PostgreSQL LISTEN/NOTIFY (PATCH on A, clients on B) | ${CLIENTS} | ${two.samples} | ${ms(two.p50)} | ${ms(two.p99)} | ${ms(two.max)} |

## OFREP evaluation throughput

\`POST /ofrep/v1/evaluate/flags/feature01\` (a targeting rule), 50-flag definition set, ${process.env.BENCH_SECONDS ?? 10} s per load generator against \`ripcord serve\` in its own process; the load generator shares the 2 cores. Target: ≥ 10,000 evaluations/s.

| load generator | requests/s | P99 latency | errors | non-2xx |
| --- | --- | --- | --- | --- |
${rows}

## Local evaluation in the ripcord/flags client

\`getBoolean\` over the 50 flags with a context (flagd-core, in process): **${localNs.toFixed(0)} ns per call** (${Math.round(1e9 / localNs).toLocaleString('en-US')} evaluations/s on one core).
`;
  writeFileSync('bench/results/flags.md', table);
  console.log(table);
}

await main();
