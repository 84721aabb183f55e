// npm run bench:recovery — time from the rollback decision until 100% of traffic is on the previous release,
// and failed requests during the switch, under steady load from a separate process: ripcord's router vs nginx.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RouterProvider } from '../src/providers/router/router-provider.js';

const ROOT = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.RUNS ?? 3);
const DURATION_MS = 6000;
const SWITCH_AT_MS = 3000;
const children: ChildProcess[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function app(version: string, port: number): void {
  children.push(spawn(process.execPath, [join(ROOT, 'examples/quickstart/app.mjs')], { env: { ...process.env, VERSION: version, PORT: String(port) }, stdio: 'ignore' }));
}

function load(target: string): Promise<{ total: number; failed: number; rps: number; last: Record<string, number> }> {
  const child = spawn(process.execPath, [join(ROOT, 'bench/load.mjs')], { env: { ...process.env, TARGET: target, DURATION_MS: String(DURATION_MS) } });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  return new Promise((res) => child.on('exit', () => res(JSON.parse(out))));
}

async function ready(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`${url} did not come up`);
}

interface Row { proxy: string; run: number; rps: number; total: number; failed: number; switchMs: number; lastOldMs: number }

async function measure(proxy: string, run: number, target: string, doSwitch: () => Promise<void>): Promise<Row> {
  const loading = load(target);
  await sleep(SWITCH_AT_MS);
  const decided = Date.now();
  await doSwitch();
  const switchMs = Date.now() - decided;
  const result = await loading;
  const lastOld = result.last.bad ?? decided;
  return { proxy, run, rps: result.rps, total: result.total, failed: result.failed, switchMs, lastOldMs: Math.max(0, lastOld - decided) };
}

class SkipSwitch extends Error {}

// PART=control-plane runs only the control-plane restart row (no nginx needed).
const PART = process.env.PART ?? 'all';
app('bad', 9181);
app('good', 9182);
await ready('http://127.0.0.1:9181/health');
await ready('http://127.0.0.1:9182/health');
const rows: Row[] = [];
if (PART === 'all' || PART === 'control-plane') await controlPlaneRestarts();
try {
  if (PART === 'control-plane') throw new SkipSwitch();
  for (let run = 1; run <= RUNS; run++) {
    const router = new RouterProvider({ kind: 'router', listen: '127.0.0.1:9180', upstreams: { bad: 'http://127.0.0.1:9181', good: 'http://127.0.0.1:9182' }, drain: 10_000 });
    await router.listen();
    const ref = (version: string) => ({ id: version, service: 'bench', environment: 'bench', version, snapshots: [] });
    rows.push(
      await measure('ripcord router', run, 'http://127.0.0.1:9180', async () => {
        await router.perform({ action: 'rollback_to', params: {}, release: ref('bad'), target: ref('good'), idempotencyKey: `b${run}`, signal: AbortSignal.timeout(30_000), log: () => undefined });
      }),
    );
    await router.close();
  }
  for (let run = 1; run <= RUNS; run++) {
    const prefix = mkdtempSync(join(tmpdir(), 'bench-nginx-'));
    mkdirSync(join(prefix, 'logs'));
    const conf = join(prefix, 'nginx.conf');
    const write = (port: number) =>
      writeFileSync(
        conf,
        `worker_processes 1; pid ${prefix}/nginx.pid; error_log ${prefix}/logs/error.log;\nevents { worker_connections 1024; }\nhttp { access_log off; client_body_temp_path ${prefix}/tmp; proxy_temp_path ${prefix}/tmp; fastcgi_temp_path ${prefix}/tmp; uwsgi_temp_path ${prefix}/tmp; scgi_temp_path ${prefix}/tmp;\n upstream app { server 127.0.0.1:${port}; keepalive 32; }\n server { listen 127.0.0.1:9190; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } } }\n`,
      );
    mkdirSync(join(prefix, 'tmp'));
    write(9181);
    const nginx = spawn('nginx', ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' });
    children.push(nginx);
    await ready('http://127.0.0.1:9190/health');
    rows.push(
      await measure('nginx reload', run, 'http://127.0.0.1:9190', async () => {
        write(9182);
        execFileSync('nginx', ['-p', prefix, '-c', conf, '-s', 'reload']);
        // 100% on the previous release only once the old worker stopped answering: the load generator reports that.
      }),
    );
    nginx.kill('SIGQUIT');
    await sleep(500);
    rmSync(prefix, { recursive: true, force: true });
  }
} catch (error) {
  if (!(error instanceof SkipSwitch)) throw error;
} finally {
  for (const child of children) child.kill();
}

interface RestartRow { run: number; total: number; failed: number; downMs: number }

/**
 * The data plane apart from the control plane: `ripcord serve` with a router environment (the router
 * runs as its own process), load through the router, kill -9 of the control plane 2 s in, restart at
 * once; the load runs until 3 s after the restarted server listens again. Counts failed requests.
 */
async function controlPlaneRestarts(): Promise<RestartRow[]> {
  const out: RestartRow[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-cp-'));
    writeFileSync(
      join(dir, 'ripcord.yaml'),
      `service: bench\nenvironments:\n  production:\n    provider: { kind: router, listen: 127.0.0.1:0, upstreams: { good: http://127.0.0.1:9182 } }\n    rollback: [ previous_release ]\n`,
    );
    const serve = () => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/ripcord'), 'serve', '--port', '0', '--config', join(dir, 'ripcord.yaml'), '--data-dir', join(dir, 'data')], { cwd: dir, env: { ...process.env, RIPCORD_ADMIN_TOKEN: 'rcp_bench-control-plane-restart-000000' } });
      let text = '';
      const proxy = new Promise<string>((res, rej) => {
        child.stdout.on('data', (c) => {
          text += c;
          const match = /"production: (http:\/\/127\.0\.0\.1:\d+)"/.exec(text);
          if (match) res(match[1] as string);
        });
        child.once('exit', () => rej(new Error(`serve exited: ${text}`)));
      });
      return { child, proxy };
    };
    const first = serve();
    const proxy = await first.proxy;
    const admin = JSON.parse(execFileSync('sh', ['-c', `cat ${join(dir, 'data/providers/production')}/router-*/admin.json`]).toString()) as { pid: number };
    const child = spawn(process.execPath, [join(ROOT, 'bench/load.mjs')], { env: { ...process.env, TARGET: proxy, DURATION_MS: '600000' } });
    let text = '';
    child.stdout.on('data', (c) => (text += c));
    const result = new Promise<{ total: number; failed: number }>((res) => child.on('exit', () => res(JSON.parse(text))));
    await sleep(2000);
    const killed = Date.now();
    first.child.kill('SIGKILL');
    const second = serve();
    await second.proxy;
    const downMs = Date.now() - killed;
    await sleep(3000);
    child.kill('SIGINT');
    const totals = await result;
    out.push({ run, total: totals.total, failed: totals.failed, downMs });
    second.child.kill('SIGTERM');
    process.kill(admin.pid, 'SIGTERM');
    await sleep(500);
    rmSync(dir, { recursive: true, force: true });
  }
  const table = [
    '# Recovery benchmark: the control plane killed and restarted under load',
    '',
    'Command: `PART=control-plane npm run bench:recovery` (bench/recovery.ts, `controlPlaneRestarts`; load from bench/load.mjs in a separate process, 32 keep-alive clients on loopback through the router; 2 cores shared with other work).',
    '',
    '`ripcord serve` with a router environment (the router runs as its own process, `ripcord router`), kill -9 of the control plane 2 s into the load, restarted at once; the load runs until 3 s after the restarted server listens. "control plane down" = from the kill until the new server listens and has adopted the router. Target: 0 failed requests.',
    '',
    '| run | requests | failed | control plane down (ms) |',
    '| --- | --- | --- | --- |',
    ...out.map((r) => `| ${r.run} | ${r.total} | ${r.failed} | ${r.downMs} |`),
    '',
  ];
  writeFileSync(join(ROOT, 'bench/results/recovery-control-plane.md'), table.join('\n'));
  process.stdout.write(table.join('\n'));
  return out;
}

if (PART === 'control-plane') process.exit(0);

const lines = [
  '# Recovery benchmark',
  '',
  'Command: `npm run bench:recovery` (bench/recovery.ts; load from bench/load.mjs in a separate process, 32 keep-alive clients on loopback, 6 s per run, switch at 3 s; 2 cores shared with other work).',
  '',
  '"switch returned" = time for the switch call (router: `rollback_to` incl. drain; nginx: rewrite config + `nginx -s reload`). "last old answer" = time from the decision to the last response served by the bad release: after it, 100% of traffic is on the previous release.',
  '',
  '| proxy | run | req/s | requests | failed | switch returned (ms) | last old answer (ms) |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.proxy} | ${r.run} | ${r.rps} | ${r.total} | ${r.failed} | ${r.switchMs} | ${r.lastOldMs} |`),
  '',
];
writeFileSync(join(ROOT, 'bench/results/recovery.md'), lines.join('\n'));
process.stdout.write(lines.join('\n'));
