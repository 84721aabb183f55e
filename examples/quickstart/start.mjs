// `npm start`: the control plane on SQLite, the example app in two versions behind ripcord's router
// (1.0.0 live), and a traffic generator. Then, in another terminal: ./bin/ripcord release 2.0.0
//
// Ports: RIPCORD_PORT (control plane, 4747), QUICKSTART_ROUTER_PORT (8080), QUICKSTART_APP1_PORT and
// QUICKSTART_APP2_PORT (8081, 8082). 0 lets the OS pick one (the quickstart's test does, so it never
// collides with anything else on the machine); the addresses used are printed once everything is up.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const dataDir = resolve(process.env.RIPCORD_DATA_DIR ?? join(root, '.ripcord'));
const ports = {
  control: process.env.RIPCORD_PORT ?? '4747',
  router: process.env.QUICKSTART_ROUTER_PORT ?? '8080',
  app1: process.env.QUICKSTART_APP1_PORT ?? '8081',
  app2: process.env.QUICKSTART_APP2_PORT ?? '8082',
};
const token = process.env.RIPCORD_ADMIN_TOKEN ?? `rcp_quickstart-${randomBytes(12).toString('hex')}`;
const children = [];

function run(name, command, args, env = {}) {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk) => chunk.toString().split('\n').filter(Boolean).map((line) => `[${name}] ${line}`).join('\n');
  child.stdout.on('data', (c) => console.log(prefix(c)));
  child.stderr.on('data', (c) => process.env.QUICKSTART_VERBOSE && console.error(prefix(c)));
  child.on('exit', (code) => code && console.error(`[${name}] exited with ${code}`));
  children.push(child);
  return child;
}

/** Resolves with the first match of `pattern` in a child's stdout (how the OS-assigned ports are learned). */
function lineOf(child, pattern, what, ms = 60_000) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${ms / 1000} s`)), ms);
    const onData = (chunk) => {
      out += chunk;
      const match = pattern.exec(out);
      if (!match) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve(match);
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code} before it was ready`)));
  });
}

let server = '';
async function api(method, path, body) {
  const response = await fetch(`${server}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function waitFor(url, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// Ctrl-C, and also a plain `kill` or a supervisor's SIGTERM: otherwise the apps and the control plane
// outlive the quickstart and keep ports 4747 and 8080-8082, and the next `npm start` cannot listen.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    for (const child of children) child.kill('SIGTERM');
    relay?.close();
    // The CLI's defaults point at this server; once it is gone they would only mislead.
    rmSync(join(dataDir, 'cli-defaults.json'), { force: true });
    process.exit(0);
  });
}

const appUrl = /app \S+ on (http:\/\/127\.0\.0\.1:(\d+))/;
const [, app1, app1Port] = await lineOf(run('app 1.0.0', process.execPath, [join(here, 'app.mjs')], { VERSION: '1.0.0', PORT: ports.app1 }), appUrl, 'app 1.0.0');
const [, app2, app2Port] = await lineOf(run('app 2.0.0', process.execPath, [join(here, 'app.mjs')], { VERSION: '2.0.0', PORT: ports.app2 }), appUrl, 'app 2.0.0');

// The health signal and verification probe the router. With an OS-assigned router port that address is
// known only once the router listens, after ripcord.yaml is loaded, so the probe goes through a relay here
// whose port is known first; it forwards only GET /health. Traffic goes to the router itself.
let router = ports.router === '0' ? '' : `http://127.0.0.1:${ports.router}`;
let healthUrl = `${router}/health`;
let relay;
if (!router) {
  relay = createServer((req, res) => {
    if (!router || req.url !== '/health') {
      res.statusCode = 503;
      return res.end('router not up yet');
    }
    fetch(`${router}/health`).then(
      async (answer) => {
        res.statusCode = answer.status;
        res.end(await answer.text());
      },
      () => {
        res.statusCode = 502;
        res.end('router unreachable');
      },
    );
  });
  await new Promise((resolve) => relay.listen(0, '127.0.0.1', resolve));
  healthUrl = `http://127.0.0.1:${relay.address().port}/health`;
}

const ripcord = run('ripcord', join(root, 'bin/ripcord'), ['serve', '--config', join(here, 'ripcord.yaml'), '--data-dir', dataDir, '--port', ports.control, '--router-in-process'], {
  RIPCORD_ADMIN_TOKEN: token,
  RIPCORD_WATCH_INTERVAL_MS: '1000',
  RIPCORD_ROLLBACK_COOLDOWN_MS: '0',
  // The router's own address is logged at info level; needed when the OS picked it.
  RIPCORD_LOG_LEVEL: process.env.RIPCORD_LOG_LEVEL ?? (router ? 'warn' : 'info'),
  QUICKSTART_ROUTER_PORT: ports.router,
  QUICKSTART_APP1_PORT: app1Port,
  QUICKSTART_APP2_PORT: app2Port,
  QUICKSTART_HEALTH_URL: healthUrl,
});
const routerLine = router ? undefined : lineOf(ripcord, /"routers":\["[^"]*?(http:\/\/[\d.:]+)"/, 'the router');
[, server] = await lineOf(ripcord, /listening: (http:\/\/\S+)/, 'ripcord serve');
if (routerLine) [, router] = await routerLine;
await waitFor(`${server}/healthz`);
await waitFor(`${router}/health`);

// Version 1.0.0 is what runs today: record it as live and known good (once).
const { releases } = await api('GET', '/api/v1/releases?environment=production&limit=1');
if (!releases.length) {
  const v1 = await api('POST', '/api/v1/releases', { environment: 'production', version: '1.0.0' });
  await api('POST', `/api/v1/releases/${v1.id}/stable`, {});
}
// So `./bin/ripcord release 2.0.0` finds this server without flags (local file, owner-only).
mkdirSync(dataDir, { recursive: true });
writeFileSync(join(dataDir, 'cli-defaults.json'), JSON.stringify({ server, token, environment: 'production' }), { mode: 0o600 });
run('traffic', process.execPath, [join(here, 'traffic.mjs')], { TARGET: router, RATE: process.env.RATE ?? '100' });

console.log(`
ripcord quickstart is up:
  control plane   ${server}   (SQLite in ${dataDir})
  router          ${router}   → 1.0.0 (${app1}); 2.0.0 waits on ${app2}
  traffic         ${process.env.RATE ?? 100} req/s to the router

In another terminal, release the buggy version and watch ripcord roll it back:
  ./bin/ripcord release 2.0.0 --watch 60s
`);
