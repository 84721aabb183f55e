import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresCluster, type PostgresCluster } from './test-support/postgres-cluster.js';
import { type RipcordProcess, startRipcord } from './test-support/ripcord-process.js';

/**
 * The fault suite: real `ripcord serve` processes, a PostgreSQL cluster of the test's own (stopped and
 * started by the test), kill -9, SIGSTOP/SIGCONT and SIGTERM. Every count is read from outside ripcord:
 * files the steps' commands append to, rows read with a separate connection, HTTP statuses seen.
 */
const TOKEN = 'rcp_fault-suite-admin-token-0123456789';
const root = mkdtempSync(join(tmpdir(), 'ripcord-faults-'));
const processes: RipcordProcess[] = [];
let cluster: PostgresCluster;
let databases = 0;

beforeAll(async () => {
  cluster = await createPostgresCluster();
}, 180_000);

afterAll(() => {
  for (const proc of processes) proc.destroy();
  cluster?.destroy();
  rmSync(root, { recursive: true, force: true });
});

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A fresh database on the test's cluster. */
async function newDatabase(): Promise<string> {
  const name = `faults_${process.pid}_${++databases}`;
  await query(cluster.url, `CREATE DATABASE ${name}`);
  return cluster.url.replace(/\/postgres$/, `/${name}`);
}

const workdir = (name: string): string => mkdtempSync(join(root, `${name}-`));

/** ripcord.yaml whose rollback steps are the given shell commands, then the provider's rollback. */
function planConfig(dir: string, steps: string[]): string {
  const file = join(dir, 'ripcord.yaml');
  writeFileSync(
    file,
    [
      'service: shop',
      'environments:',
      '  production:',
      `    provider: { kind: command, deploy: 'true', rollback: 'echo provider-rollback >> ${join(dir, 'effects.log')}' }`,
      '    rollback:',
      ...steps.map((step) => `      - command: ${JSON.stringify(step)}`),
      '      - previous_release',
      '    verify: []',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'effects.log'), '');
  return file;
}

const effects = (dir: string) => readFileSync(join(dir, 'effects.log'), 'utf8').split('\n').filter(Boolean);
const count = (dir: string, line: string) => effects(dir).filter((l) => l === line).length;

async function serve(dir: string, extra: { database?: string; env?: Record<string, string>; dataDir?: string } = {}): Promise<RipcordProcess> {
  const args = ['serve', '--port', '0', '--config', join(dir, 'ripcord.yaml'), '--data-dir', extra.dataDir ?? join(dir, 'data')];
  if (extra.database) args.push('--database', extra.database);
  const proc = await startRipcord(args, { cwd: dir, env: { RIPCORD_ADMIN_TOKEN: TOKEN, RIPCORD_ROLLBACK_LEASE_MS: '2000', ...extra.env } });
  processes.push(proc);
  return proc;
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown>; retryAfter: string | null }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, json, retryAfter: response.headers.get('retry-after') };
}

async function api(url: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const result = await call(url, method, path, body);
  if (result.status >= 300) throw new Error(`${method} ${path}: ${result.status} ${JSON.stringify(result.json)}`);
  return result.json;
}

async function poll<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Plan = { id: string; status: string; steps: { status: string; attempts: number }[] };

async function twoReleasesAndRollback(url: string): Promise<string> {
  const v1 = (await api(url, 'POST', '/api/v1/releases', { environment: 'production', version: '1.0.0' })) as { id: string };
  await api(url, 'POST', `/api/v1/releases/${v1.id}/transitions`, { status: 'verified' });
  await api(url, 'POST', '/api/v1/releases', { environment: 'production', version: '2.0.0' });
  const started = (await api(url, 'POST', '/api/v1/rollbacks', { environment: 'production', reason: 'fault suite' })) as { plan: { id: string } };
  return started.plan.id;
}

const planOf = async (url: string, id: string) => (await api(url, 'GET', `/api/v1/rollbacks/${id}`)) as unknown as Plan;
const finished = (url: string, id: string, ms: number) => poll(`plan ${id} to finish`, ms, async () => {
  const plan = await planOf(url, id);
  return plan.status === 'succeeded' || plan.status === 'failed' ? plan : undefined;
});

describe('fault suite', () => {
  it('PostgreSQL stopped and started under load: the server stays up, answers 503 + Retry-After, comes back by itself, and every 201 is stored', async () => {
    const dir = workdir('outage');
    planConfig(dir, ['true']);
    const database = await newDatabase();
    const server = await serve(dir, { database, env: { RIPCORD_WATCH_INTERVAL_MS: '200' } });
    const seen: { status: number | 'refused'; retryAfter: string | null; phase: string }[] = [];
    const acknowledged: string[] = [];
    let phase = 'before';
    let running = true;
    let n = 0;
    const worker = async () => {
      while (running) {
        const version = `load-${++n}`;
        const result = await call(server.url, 'POST', '/api/v1/releases', { environment: 'production', version }).catch(() => undefined);
        if (!result) seen.push({ status: 'refused', retryAfter: null, phase });
        else {
          seen.push({ status: result.status, retryAfter: result.retryAfter, phase });
          if (result.status === 201) acknowledged.push(version);
        }
        const read = await call(server.url, 'GET', '/api/v1/releases?limit=1').catch(() => undefined);
        seen.push(read ? { status: read.status, retryAfter: read.retryAfter, phase } : { status: 'refused', retryAfter: null, phase });
      }
    };
    const workers = [worker(), worker()];
    try {
      await poll('writes before the outage', 60_000, async () => (acknowledged.length >= 5 ? true : undefined));
      phase = 'outage';
      cluster.stop('fast');
      await poll('a 503 with Retry-After during the outage', 60_000, async () => (seen.some((s) => s.phase === 'outage' && s.status === 503 && s.retryAfter) ? true : undefined));
      const ready = await call(server.url, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.retryAfter).toBe('5');
      // The watcher, incident timers and takeover scan tick against the dead database for a while.
      await poll('a few watcher ticks during the outage', 30_000, async () => (seen.filter((s) => s.phase === 'outage').length >= 40 ? true : undefined));
      expect(server.alive()).toBe(true);
      phase = 'after';
      cluster.start();
      await poll('a write stored after the database came back', 90_000, async () => (seen.some((s) => s.phase === 'after' && s.status === 201) ? true : undefined));
      await poll('/readyz ready again', 30_000, async () => ((await call(server.url, 'GET', '/readyz')).status === 200 ? true : undefined));
    } catch (error) {
      const summary = [...new Set(seen.map((s) => `${s.phase}:${s.status}`))].join(', ');
      throw new Error(`${(error as Error).message}; seen ${summary}; server output (tail):\n${server.output().slice(-3000)}`);
    } finally {
      running = false;
      await Promise.all(workers);
    }
    expect(server.alive()).toBe(true);
    const statuses = new Set(seen.map((s) => `${s.phase}:${s.status}`));
    expect([...statuses].filter((s) => !/^(before|after):(200|201)$|^(outage|after):503$|^outage:(200|201)$/.test(s))).toEqual([]);
    for (const s of seen) if (s.status === 503) expect(s.retryAfter).toBe('5');
    const stored = new Set((await query<{ version: string }>(database, 'SELECT version FROM releases')).map((r) => r.version));
    expect(acknowledged.filter((v) => !stored.has(v))).toEqual([]);
    expect(server.output()).not.toMatch(/unhandled|UnhandledPromiseRejection/i);
  }, 300_000);

  it('the paused holder (SIGSTOP past its lease, a peer takes over, SIGCONT) performs no step again: each side effect happens once', async () => {
    const dir = workdir('paused');
    const gate = join(dir, 'gate');
    const log = join(dir, 'effects.log');
    planConfig(dir, [`echo one >> ${log}`, `echo gate-entered >> ${join(dir, 'gates.log')}; while [ ! -f ${gate} ]; do sleep 0.05; done`, `echo three >> ${log}`, `echo four >> ${log}`]);
    const database = await newDatabase();
    const [a, b] = await Promise.all([
      serve(dir, { database, dataDir: join(dir, 'data-a'), env: { RIPCORD_HOLDER_ID: 'server-a' } }),
      serve(dir, { database, dataDir: join(dir, 'data-b'), env: { RIPCORD_HOLDER_ID: 'server-b' } }),
    ]);
    const id = await twoReleasesAndRollback(a.url);
    const gates = () => (existsSync(join(dir, 'gates.log')) ? readFileSync(join(dir, 'gates.log'), 'utf8').split('\n').filter(Boolean).length : 0);
    await poll('the plan to reach its gate step', 60_000, async () => (gates() === 1 ? true : undefined));
    const [lease] = await query<{ holder: string; generation: number }>(database, 'SELECT holder, generation FROM leases');
    const holder = lease?.holder === 'server-a' ? a : b;
    const peer = holder === a ? b : a;
    process.kill(holder.pid, 'SIGSTOP');
    try {
      await poll('the peer to take the plan over', 60_000, async () => {
        const [now] = await query<{ holder: string }>(database, 'SELECT holder FROM leases');
        return now?.holder === (peer === a ? 'server-a' : 'server-b') && gates() === 2 ? true : undefined;
      });
      writeFileSync(gate, '');
      const plan = await finished(peer.url, id, 60_000);
      expect(plan.status).toBe('succeeded');
    } finally {
      process.kill(holder.pid, 'SIGCONT');
    }
    await holder.waitForOutput(/rollback plan stopped here before its next step/, 'the woken holder to stop', 60_000);
    expect(holder.alive()).toBe(true);
    expect(count(dir, 'one')).toBe(1);
    expect(count(dir, 'three')).toBe(1);
    expect(count(dir, 'four')).toBe(1);
    expect(count(dir, 'provider-rollback')).toBe(1);
    const [after] = await query<{ status: string }>(database, 'SELECT status FROM rollback_plans WHERE id = $1', [id]);
    expect(after?.status).toBe('succeeded');
  }, 300_000);

  it.each(['sqlite', 'postgres'] as const)('kill -9 of the server alone mid-step (%s): the step\'s process group dies with it, and the restarted server resumes at once and runs it once', async (dialect) => {
    const dir = workdir(`kill-${dialect}`);
    const marker = join(dir, 'step-two-started');
    planConfig(dir, [`echo one >> ${join(dir, 'effects.log')}`, `touch ${marker}; sleep 2; echo two >> ${join(dir, 'effects.log')}`]);
    const database = dialect === 'postgres' ? await newDatabase() : undefined;
    const first = await serve(dir, { database });
    const id = await twoReleasesAndRollback(first.url);
    await poll('step two to start', 60_000, async () => (existsSync(marker) ? true : undefined));
    process.kill(first.pid, 'SIGKILL'); // the server only: its step's group is not signalled by anyone else
    await first.exited();
    rmSync(marker);
    // Had the step's shell outlived the server, it would write "two" about 2 s later.
    const second = await serve(dir, { database });
    const plan = await finished(second.url, id, 60_000);
    expect(plan.status).toBe('succeeded');
    expect(count(dir, 'one')).toBe(1);
    expect(count(dir, 'two')).toBe(1);
    expect(count(dir, 'provider-rollback')).toBe(1);
    expect(plan.steps[1]?.attempts).toBe(2);
  }, 300_000);

  it('SIGTERM mid-plan: the running step is stopped past the grace, the lease freed, the server exits 0, and a restart finishes the plan with each step once', async () => {
    const dir = workdir('sigterm');
    const marker = join(dir, 'step-two-started');
    planConfig(dir, [`echo one >> ${join(dir, 'effects.log')}`, `touch ${marker}; sleep 3; echo two >> ${join(dir, 'effects.log')}`]);
    const database = await newDatabase();
    const first = await serve(dir, { database, env: { RIPCORD_SHUTDOWN_GRACE_MS: '300', RIPCORD_ROLLBACK_LEASE_MS: '60000' } });
    const id = await twoReleasesAndRollback(first.url);
    await poll('step two to start', 60_000, async () => (existsSync(marker) ? true : undefined));
    process.kill(first.pid, 'SIGTERM');
    expect((await first.exited()).code).toBe(0);
    const [lease] = await query<{ holder: string }>(database, 'SELECT holder FROM leases');
    expect(lease?.holder).toBe('');
    const [step] = await query<{ status: string }>(database, 'SELECT status FROM rollback_steps WHERE plan_id = $1 AND step_index = 1', [id]);
    expect(step?.status).toBe('running');
    rmSync(marker);
    // A 60 s lease: the restart resumes at once only because the lease was released.
    const second = await serve(dir, { database, env: { RIPCORD_ROLLBACK_LEASE_MS: '60000' } });
    const plan = await finished(second.url, id, 30_000);
    expect(plan.status).toBe('succeeded');
    expect(count(dir, 'one')).toBe(1);
    expect(count(dir, 'two')).toBe(1);
  }, 300_000);

  it('a server that cannot bind its port exits non-zero with one line; two first starts with one bootstrap token both come up', async () => {
    const dir = workdir('bind');
    planConfig(dir, ['true']);
    const database = await newDatabase();
    const [a, b] = await Promise.all([serve(dir, { database, dataDir: join(dir, 'a') }), serve(dir, { database, dataDir: join(dir, 'b') })]);
    expect((await call(a.url, 'GET', '/api/v1/releases')).status).toBe(200);
    expect((await call(b.url, 'GET', '/api/v1/releases')).status).toBe(200);
    const port = new URL(a.url).port;
    const third = await startRipcord(['serve', '--port', port, '--config', join(dir, 'ripcord.yaml'), '--database', database, '--data-dir', join(dir, 'c')], {
      cwd: dir,
      env: { RIPCORD_ADMIN_TOKEN: TOKEN },
      waitForListening: false,
    });
    processes.push(third);
    const exit = await third.exited();
    expect(exit.code).not.toBe(0);
    const lines = third.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
  }, 300_000);
});

describe('fault suite: a full disk', () => {
  it.skipIf(process.getuid?.() !== 0)('SQLite on a full disk: writes answer 503, /readyz says so, ingest is held in its bounded buffer then refused, and all of it is stored once there is room', async () => {
    const { execFileSync } = await import('node:child_process');
    const Database = (await import('better-sqlite3')).default;
    const dir = workdir('disk');
    planConfig(dir, ['true']);
    const data = join(dir, 'data');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(data);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', data]);
    try {
      const server = await serve(dir, { dataDir: data, env: { RIPCORD_WATCH_INTERVAL_MS: '200' } });
      const ingest = (await api(server.url, 'POST', '/api/v1/tokens', { name: 'app', role: 'ingest' })) as { secret: string };
      const send = async (outcomes: unknown[]) => {
        const response = await fetch(`${server.url}/api/v1/ingest`, { method: 'POST', headers: { authorization: `Bearer ${ingest.secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ environment: 'production', outcomes }) });
        return { status: response.status, retryAfter: response.headers.get('retry-after') };
      };
      expect((await send([{ release: '1.0.0', status: 200, latency_ms: 5 }])).status).toBe(202);
      // Fill the disk to the last byte.
      const { openSync, writeSync, closeSync } = await import('node:fs');
      const filler = openSync(join(data, 'filler'), 'w');
      const block = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) writeSync(filler, block);
      } catch {
        for (;;) {
          try {
            writeSync(filler, Buffer.alloc(512, 1));
          } catch {
            break;
          }
        }
      } finally {
        closeSync(filler);
      }
      let version = 0;
      const statuses: number[] = [];
      const refused = await poll('a write refused with 503', 30_000, async () => {
        const result = await call(server.url, 'POST', '/api/v1/releases', { environment: 'production', version: `full-${++version}` });
        statuses.push(result.status);
        return result.status === 503 ? result : undefined;
      }).catch((error) => {
        throw new Error(`${(error as Error).message}; statuses ${[...new Set(statuses)].join(', ')}; output ${server.output().slice(-1500)}`);
      });
      expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
      expect(refused.retryAfter).toBe('5');
      await poll('/readyz to say not ready', 30_000, async () => ((await call(server.url, 'GET', '/readyz')).status === 503 ? true : undefined));
      // 10,000 distinct seconds: the buffer's whole room, held in memory and acknowledged.
      const now = Date.now();
      const batch = Array.from({ length: 10_000 }, (_, i) => ({ release: '1.0.0', status: i % 10 === 0 ? 500 : 200, latency_ms: 5, at: now - i * 1000 }));
      expect((await send(batch)).status).toBe(202);
      await poll('ingest refused past the buffer', 30_000, async () => {
        const result = await send([{ release: '1.0.0', status: 200, latency_ms: 5 }]);
        return result.status === 503 && result.retryAfter === '5' ? true : undefined;
      });
      expect(server.alive()).toBe(true);
      rmSync(join(data, 'filler'));
      await poll('writes taken again', 60_000, async () => ((await call(server.url, 'POST', '/api/v1/releases', { environment: 'production', version: `room-${++version}` })).status === 201 ? true : undefined));
      await poll('/readyz ready again', 60_000, async () => ((await call(server.url, 'GET', '/readyz')).status === 200 ? true : undefined));
      const stored = await poll('every acknowledged bucket stored', 60_000, async () => {
        const db = new Database(join(data, 'ripcord.db'), { readonly: true, fileMustExist: true });
        try {
          const row = db.prepare("SELECT count(*) AS n, sum(total) AS total FROM outcome_rollups WHERE release = '1.0.0'").get() as { n: number; total: number };
          return row.n >= 10_000 ? row : undefined;
        } finally {
          db.close();
        }
      });
      // Every acknowledged outcome is in a stored bucket (the last refused one is not).
      expect(stored.total).toBe(10_001);
      expect(server.alive()).toBe(true);
      server.destroy();
      await server.exited();
    } finally {
      execFileSync('umount', ['-l', data]);
    }
  }, 300_000);
});

describe('fault suite: the data plane apart from the control plane', () => {
  it('the router process serves through kill -9 and restart of the control plane under load, refuses an unhealthy switch target, and switches once it is healthy', async () => {
    const { createServer } = await import('node:http');
    const dir = workdir('router');
    const upstreams: import('node:http').Server[] = [];
    const app = async (version: string, port = 0) => {
      const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(version));
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      upstreams.push(server);
      return server;
    };
    const old = await app('1.0.0');
    const current = await app('2.0.0');
    const portOf = (server: import('node:http').Server) => (server.address() as import('node:net').AddressInfo).port;
    const oldPort = portOf(old);
    writeFileSync(
      join(dir, 'ripcord.yaml'),
      [
        'service: shop',
        'environments:',
        '  production:',
        '    provider:',
        '      kind: router',
        '      listen: 127.0.0.1:0',
        '      health_probes: 2',
        `      upstreams: { "1.0.0": "http://127.0.0.1:${oldPort}", "2.0.0": "http://127.0.0.1:${portOf(current)}" }`,
        '    rollback: [ previous_release ]',
        '    verify: []',
        '',
      ].join('\n'),
    );
    let routerPid: number | undefined;
    try {
      const first = await serve(dir);
      const proxy = (await first.waitForOutput(/"production: (http:\/\/127\.0\.0\.1:\d+)"/, 'the router to listen'))[1] as string;
      const info = await poll('admin.json', 10_000, async () => {
        const { readdirSync } = await import('node:fs');
        const base = join(dir, 'data', 'providers', 'production');
        const folder = readdirSync(base).find((name) => name.startsWith('router-'));
        return folder ? (JSON.parse(readFileSync(join(base, folder, 'admin.json'), 'utf8')) as { pid: number; admin: string; token: string }) : undefined;
      });
      routerPid = info.pid;
      expect(routerPid).not.toBe(first.pid);
      // Put 2.0.0 live through the control plane (deploy on the router), as `ripcord release` would.
      const v1 = (await api(first.url, 'POST', '/api/v1/releases', { environment: 'production', version: '1.0.0' })) as { id: string };
      await api(first.url, 'POST', `/api/v1/releases/${v1.id}/transitions`, { status: 'verified' });
      await api(first.url, 'POST', '/api/v1/releases', { environment: 'production', version: '2.0.0' });
      const route = async () => (await (await fetch(`${info.admin}/route`, { headers: { authorization: `Bearer ${info.token}` } })).json()) as { weights: Record<string, number>; generation: number };
      await fetch(`${info.admin}/route`, { method: 'PUT', headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ weights: { '2.0.0': 1 } }) });
      const generation = (await route()).generation;
      expect((await fetch(`${info.admin}/route`)).status).toBe(401);

      let failed = 0;
      let served = 0;
      const bodies = new Map<string, number>();
      let running = true;
      const load = async () => {
        while (running) {
          try {
            const response = await fetch(proxy);
            const text = await response.text();
            if (response.status === 200) served += 1;
            else failed += 1;
            bodies.set(text, (bodies.get(text) ?? 0) + 1);
          } catch {
            failed += 1;
          }
        }
      };
      const workers = [load(), load()];
      await poll('load through the router', 30_000, async () => (served > 50 ? true : undefined));
      process.kill(first.pid, 'SIGKILL');
      await first.exited();
      const during = served;
      await poll('requests served while the control plane is dead', 30_000, async () => (served > during + 50 ? true : undefined));
      const second = await serve(dir);
      await second.waitForOutput(/"production: (http:\/\/127\.0\.0\.1:\d+)"/, 'the restarted server to adopt the router');
      const after = served;
      await poll('requests served after the restart', 30_000, async () => (served > after + 50 ? true : undefined));
      expect((await route()).generation).toBe(generation);

      // 1.0.0 is down: the switch is refused and traffic stays on 2.0.0.
      old.closeAllConnections();
      await new Promise((resolve) => old.close(resolve));
      const refused = (await api(second.url, 'POST', '/api/v1/rollbacks', { environment: 'production', reason: 'fault suite' })) as { plan: { id: string } };
      const failedPlan = await finished(second.url, refused.plan.id, 60_000);
      expect(failedPlan.status).toBe('failed');
      expect(JSON.stringify(failedPlan)).toMatch(/refusing to send traffic to 1\.0\.0: its health check .* failed 2 of 2 probes/);
      expect((await route()).weights).toEqual({ '2.0.0': 1 });
      // 1.0.0 is back: the switch happens.
      await app('1.0.0', oldPort);
      const retried = (await api(second.url, 'POST', '/api/v1/rollbacks', { environment: 'production', reason: 'fault suite, target healthy' })) as { plan: { id: string } };
      expect((await finished(second.url, retried.plan.id, 60_000)).status).toBe('succeeded');
      expect((await route()).weights).toEqual({ '1.0.0': 1 });
      await poll('1.0.0 serving through the router', 10_000, async () => ((bodies.get('1.0.0') ?? 0) > 0 ? true : undefined));
      running = false;
      await Promise.all(workers);
      expect(failed).toBe(0);
      expect(served).toBeGreaterThan(150);
    } finally {
      if (routerPid) {
        try {
          process.kill(routerPid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      for (const server of upstreams) {
        server.closeAllConnections();
        server.close();
      }
    }
  }, 300_000);
});
