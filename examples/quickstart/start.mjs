// `npm start`: the control plane on SQLite, the example app in two versions behind ripcord's router
// (1.0.0 live), and a traffic generator. Then, in another terminal: ./bin/ripcord release 2.0.0
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const dataDir = resolve(process.env.RIPCORD_DATA_DIR ?? join(root, '.ripcord'));
const port = Number(process.env.RIPCORD_PORT ?? 4747);
const server = `http://127.0.0.1:${port}`;
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
    process.exit(0);
  });
}

run('app 1.0.0', process.execPath, [join(here, 'app.mjs')], { VERSION: '1.0.0', PORT: '8081' });
run('app 2.0.0', process.execPath, [join(here, 'app.mjs')], { VERSION: '2.0.0', PORT: '8082' });
run('ripcord', join(root, 'bin/ripcord'), ['serve', '--config', join(here, 'ripcord.yaml'), '--data-dir', dataDir, '--port', String(port), '--router-in-process'], {
  RIPCORD_ADMIN_TOKEN: token,
  RIPCORD_WATCH_INTERVAL_MS: '1000',
  RIPCORD_ROLLBACK_COOLDOWN_MS: '0',
  RIPCORD_LOG_LEVEL: process.env.RIPCORD_LOG_LEVEL ?? 'warn',
});
await waitFor(`${server}/healthz`);
await waitFor('http://127.0.0.1:8080/health');

// Version 1.0.0 is what runs today: record it as live and known good (once).
const { releases } = await api('GET', '/api/v1/releases?environment=production&limit=1');
if (!releases.length) {
  const v1 = await api('POST', '/api/v1/releases', { environment: 'production', version: '1.0.0' });
  await api('POST', `/api/v1/releases/${v1.id}/stable`, {});
}
// So `./bin/ripcord release 2.0.0` finds this server without flags (local file, owner-only).
mkdirSync(dataDir, { recursive: true });
writeFileSync(join(dataDir, 'cli-defaults.json'), JSON.stringify({ server, token, environment: 'production' }), { mode: 0o600 });
run('traffic', process.execPath, [join(here, 'traffic.mjs')], { TARGET: 'http://127.0.0.1:8080', RATE: process.env.RATE ?? '100' });

console.log(`
ripcord quickstart is up:
  control plane   ${server}   (SQLite in ${dataDir})
  router          http://127.0.0.1:8080   → 1.0.0 (http://127.0.0.1:8081); 2.0.0 waits on :8082
  traffic         ${process.env.RATE ?? 100} req/s to the router

In another terminal, release the buggy version and watch ripcord roll it back:
  ./bin/ripcord release 2.0.0 --watch 60s
`);
