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

app('bad', 9181);
app('good', 9182);
await ready('http://127.0.0.1:9181/health');
await ready('http://127.0.0.1:9182/health');
const rows: Row[] = [];
try {
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
} finally {
  for (const child of children) child.kill();
}

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
