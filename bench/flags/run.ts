/**
 * npm run bench:flags — kill-switch propagation to 1,000 stream clients (one server; two servers on
 * PostgreSQL), OFREP evaluation throughput with 50 flags, and the cost of a local evaluation in the
 * ripcord/flags client. Writes bench/results/flags.md. Everything runs on loopback.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
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
/** BENCH_ONLY=ofrep: only the OFREP part; the other sections of the results file are kept as they are. */
const ONLY_OFREP = process.env.BENCH_ONLY === 'ofrep';
/** BENCH_ONLY=streams: only the stream-cap part; the other sections of the results file are kept. */
const ONLY_STREAMS = process.env.BENCH_ONLY === 'streams';
/** BENCH_CPU_PROF=<dir>: the OFREP server writes a V8 .cpuprofile there on exit (open it in Chrome DevTools). */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;
const RESULTS = 'bench/results/flags.md';
const CONTEXT = { targetingKey: 'user-42', plan: 'pro', email: 'a@b.c' };
const FLAG_COUNT = 50;

/** 50 flags like a real app has: booleans, string variants, targeting rules, fractional rollouts. */
function realisticFlags(): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (let i = 0; i < FLAG_COUNT; i++) {
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

interface StreamCaps {
  cap: number;
  opened: number;
  refused: number;
  refusedStatus: string;
  rssPerStreamKiB: number;
  heapPerStreamKiB: number;
}

/**
 * The per-token cap under load: one token opens `cap + 50` streams against a server capped at `cap`;
 * the first `cap` open, the rest get 429. The server runs in this process, so its memory growth per
 * open stream (RSS and heap, after GC where exposed) says what the default caps cost.
 */
async function streamCaps(cap: number): Promise<StreamCaps> {
  const parsed = parseConfig(`service: bench\nenvironments:\n  production:\n    flags: ${JSON.stringify(realisticFlags())}\n`, 'ripcord.yaml', {});
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const app = await createApp({ dataDir: mkdtempSync(join(tmpdir(), 'ripcord-bench-')), config: parsed.config, adminToken: ADMIN, watchIntervalMs: 0, streamLimitPerToken: cap, streamLimit: cap * 2, logger: createLogger({ level: 'error' }) });
  const url = await listen(app, { host: '127.0.0.1', port: 0 });
  const token = (await app.tokens.create({ name: 'bench-public', role: 'flags', environments: ['production'] }, 'bench')).secret;
  const streamUrl = `${url}/api/v1/environments/production/flags/stream`;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  const open: http.ClientRequest[] = [];
  const statuses = new Map<number, number>();
  for (let i = 0; i < cap + 50; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, cap + 50 - i) }, () =>
        new Promise<{ status: number; request: http.ClientRequest }>((resolve, reject) => {
          const request = http.get(streamUrl, { headers: { authorization: `Bearer ${token}` }, agent: false }, (response) => {
            resolve({ status: response.statusCode ?? 0, request });
            if (response.statusCode !== 200) response.resume();
          });
          request.on('error', reject);
        }),
      ),
    );
    for (const { status, request } of batch) {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 200) open.push(request);
    }
  }
  gc?.();
  const after = process.memoryUsage();
  for (const request of open) request.destroy();
  await app.close();
  const opened = statuses.get(200) ?? 0;
  return {
    cap,
    opened,
    refused: cap + 50 - opened,
    refusedStatus: [...statuses.keys()].filter((s) => s !== 200).join(', ') || '—',
    rssPerStreamKiB: (after.rss - before.rss) / 1024 / Math.max(1, opened),
    heapPerStreamKiB: (after.heapUsed - before.heapUsed) / 1024 / Math.max(1, opened),
  };
}

function streamSection(caps: StreamCaps, started: string): string {
  return `## Stream caps

One \`flags\` token opens ${fmt(caps.cap + 50)} flag streams against a server started with \`--stream-limit-per-token ${caps.cap}\` (client and server in one process, ${started}): **${fmt(caps.opened)} opened, ${fmt(caps.refused)} refused with ${caps.refusedStatus}** and \`Retry-After: 5\`. Each open stream cost the process about **${caps.rssPerStreamKiB.toFixed(1)} KiB of RSS (${caps.heapPerStreamKiB.toFixed(1)} KiB of heap)**, client side included, so the defaults (5,000 per token, 20,000 in all) bound a leaked public token to about ${fmt((caps.rssPerStreamKiB * 5000) / 1024)} MiB and the server to about ${fmt((caps.rssPerStreamKiB * 20000) / 1024)} MiB.

`;
}

/** BENCH_ONLY=streams: replace (or add) the stream-cap section of the committed results, keep the rest. */
async function onlyStreams(): Promise<void> {
  const started = new Date().toISOString();
  console.log('stream caps…');
  const section = streamSection(await streamCaps(CLIENTS), started);
  const previous = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Flags benchmark\n\n## Local evaluation in the ripcord/flags client\n';
  const from = previous.indexOf('## Stream caps');
  const to = previous.indexOf('## Local evaluation');
  const kept = from >= 0 ? previous.slice(0, from) + previous.slice(to) : previous;
  const at = kept.indexOf('## Local evaluation');
  const text = `${kept.slice(0, at)}${section.replace('## Stream caps\n', `## Stream caps\n\n> This section alone was rerun: \`BENCH_ONLY=streams npm run bench:flags\` (${machine()}).\n`)}${kept.slice(at)}`;
  writeFileSync(RESULTS, text);
  console.log(section);
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
async function wrkThroughput(url: string, token: string, seconds: number, tool = 'wrk (1 thread, 50 connections)', method: 'GET' | 'POST' = 'POST'): Promise<Throughput | undefined> {
  const script = join(mkdtempSync(join(tmpdir(), 'ripcord-wrk-')), 'post.lua');
  writeFileSync(
    script,
    method === 'POST'
      ? `wrk.method = "POST"\nwrk.body = '${JSON.stringify({ context: CONTEXT })}'\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer ${token}"\n`
      : `wrk.method = "GET"\n`,
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
  return { tool, rps, p99: /99%\s+(\S+)/.exec(out)?.[1] ?? '?', errors: Number(/Socket errors: .*?(\d+)/.exec(out)?.[1] ?? 0), non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) };
}

interface OfrepResults {
  single: Throughput[];
  /** The bulk endpoint (every flag per request), via wrk. */
  bulk: Throughput | undefined;
  healthz: Throughput | undefined;
}

async function ofrepThroughput(): Promise<OfrepResults> {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-bench-flags-'));
  writeFileSync(join(dir, 'ripcord.yaml'), `service: bench\nenvironments:\n  production:\n    flags: ${JSON.stringify(realisticFlags())}\n`);
  // The server in its own process, as in production; the load generator here.
  const profile = CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : [];
  const server: ChildProcess = spawn(process.execPath, [...profile, join(process.cwd(), 'bin/ripcord'), 'serve', '--port', '0', '--data-dir', join(dir, 'data'), '--ofrep-rate-limit', '1000000'], {
    cwd: dir,
    env: { ...process.env, RIPCORD_ADMIN_TOKEN: ADMIN, RIPCORD_LOG_LEVEL: 'error' },
  });
  let out = '';
  server.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise((resolve) => server.once('exit', resolve));
  const deadline = Date.now() + 30_000;
  while (!/listening: (http:\S+)/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const url = /listening: (http:\S+)/.exec(out)?.[1] as string;
  try {
    const created = await fetch(`${url}/api/v1/tokens`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench-app', role: 'flags', environments: ['production'] }) });
    const { secret } = (await created.json()) as { secret: string };
    const seconds = Number(process.env.BENCH_SECONDS ?? 10);
    const single = `${url}/ofrep/v1/evaluate/flags/feature01`;
    // Warm-up: JIT and caches, so the first tool does not pay for them.
    await autocannon({ url: single, method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ context: CONTEXT }), connections: 10, duration: 2 });
    const viaWrk = await wrkThroughput(single, secret, seconds);
    const result = await autocannon({
      url: single,
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ context: CONTEXT }),
      connections: 50,
      duration: seconds,
    });
    const bulk = await wrkThroughput(`${url}/ofrep/v1/evaluate/flags`, secret, seconds, 'wrk, bulk `POST /ofrep/v1/evaluate/flags`');
    const healthz = await wrkThroughput(`${url}/healthz`, secret, seconds, 'wrk, `GET /healthz` (for comparison)', 'GET');
    return {
      single: [...(viaWrk ? [viaWrk] : []), { tool: 'autocannon (50 connections)', rps: result.requests.average, p99: `${result.latency.p99}ms`, errors: result.errors, non2xx: result.non2xx }],
      bulk,
      healthz,
    };
  } finally {
    server.kill('SIGTERM');
    await exited;
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

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const machine = () => `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
/** What else the machine was doing: the load generator shares the cores, so a busy machine lowers every figure. */
const load = () => `load average ${loadavg()[0]?.toFixed(2)} when it started`;

function ofrepSection(ofrep: OfrepResults, started: string, loadAtStart: string): string {
  const row = (r: Throughput) => `| ${r.tool} | ${fmt(r.rps)} | ${r.p99} | ${r.errors} | ${r.non2xx} |`;
  const extra = [
    ...(ofrep.bulk ? [`| ${ofrep.bulk.tool}: ${fmt(ofrep.bulk.rps)} requests/s × ${FLAG_COUNT} flags | **${fmt(ofrep.bulk.rps * FLAG_COUNT)} flags evaluated/s** | ${ofrep.bulk.p99} | ${ofrep.bulk.errors} | ${ofrep.bulk.non2xx} |`] : []),
    ...(ofrep.healthz ? [row(ofrep.healthz)] : []),
  ];
  return `## OFREP evaluation throughput

\`POST /ofrep/v1/evaluate/flags/feature01\` (a targeting rule), ${FLAG_COUNT}-flag definition set, ${process.env.BENCH_SECONDS ?? 10} s per load generator (after a 2 s warm-up) against \`ripcord serve\` in its own process; the load generator shares the 2 cores. Run ${started}, ${loadAtStart}. Target: ≥ 10,000 evaluations/s.

| load generator | requests/s | P99 latency | errors | non-2xx |
| --- | --- | --- | --- | --- |
${ofrep.single.map(row).join('\n')}
${extra.length ? `\nFor comparison, on the same server and set-up:\n\n| load generator | throughput | P99 latency | errors | non-2xx |\n| --- | --- | --- | --- | --- |\n${extra.join('\n')}\n` : ''}
`;
}

/** BENCH_ONLY=ofrep: replace the OFREP section of the committed results, keep the rest, and say so. */
async function onlyOfrep(): Promise<void> {
  const started = new Date().toISOString();
  const loadAtStart = load();
  console.log('OFREP throughput…');
  const section = ofrepSection(await ofrepThroughput(), started, loadAtStart);
  const previous = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Flags benchmark\n\n## Local evaluation in the ripcord/flags client\n';
  const from = previous.indexOf('## OFREP evaluation throughput');
  const to = previous.indexOf('## Local evaluation');
  const head = (from >= 0 ? previous.slice(0, from) : previous.slice(0, to)).replace(/\n> Only the OFREP section.*\n/, '\n');
  const note = `> Only the OFREP section was rerun (\`BENCH_ONLY=ofrep npm run bench:flags\`, ${started}, ${machine()}); the propagation and local-evaluation figures are from the full run named above.\n`;
  const text = `${head.trimEnd()}\n\n${note}\n${section}${previous.slice(to)}`;
  writeFileSync(RESULTS, text);
  console.log(text);
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  const loadAtStart = load();
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

  console.log('stream caps…');
  const streams = streamSection(await streamCaps(CLIENTS), new Date().toISOString());

  console.log('OFREP throughput…');
  const ofrepStarted = new Date().toISOString();
  const ofrep = ofrepSection(await ofrepThroughput(), ofrepStarted, load());

  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const table = `# Flags benchmark

Command: \`npm run bench:flags\` (BENCH_CLIENTS=${CLIENTS}, BENCH_FLIPS=${FLIPS}). Run ${started} on ${machine()}, ${loadAtStart}; load generator, clients and servers on the same machine (loopback), other work may have been running.

## Kill-switch propagation

Time from the \`PATCH /api/v1/environments/production/flags\` answer arriving to each SSE stream client having received the change (${FLIPS} flips × ${CLIENTS} clients). Target: P99 < 250 ms.

| set-up | clients | samples | P50 | P99 | max |
| --- | --- | --- | --- | --- | --- |
| one server (SQLite) | ${CLIENTS} | ${one.samples} | ${ms(one.p50)} | ${ms(one.p99)} | ${ms(one.max)} |
| two servers, PostgreSQL LISTEN/NOTIFY (PATCH on A, clients on B) | ${CLIENTS} | ${two.samples} | ${ms(two.p50)} | ${ms(two.p99)} | ${ms(two.max)} |

${ofrep}${streams}## Local evaluation in the ripcord/flags client

\`getBoolean\` over the ${FLAG_COUNT} flags with a context (flagd-core, in process): **${localNs.toFixed(0)} ns per call** (${fmt(1e9 / localNs)} evaluations/s on one core).
`;
  writeFileSync(RESULTS, table);
  console.log(table);
}

await (ONLY_OFREP ? onlyOfrep() : ONLY_STREAMS ? onlyStreams() : main());
