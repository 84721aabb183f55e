import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = resolve('bin/ripcord');
const TOKEN = 'rcp_crash-test-admin-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'ripcord-crash-'));
const log = join(dir, 'steps.log');
const servers: ChildProcess[] = [];

afterAll(() => {
  for (const server of servers) {
    try {
      if (server.pid) process.kill(-server.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A real `ripcord serve` in its own process group, so kill -9 takes its running step's shell with it (as a dying container would). */
async function serve(): Promise<{ server: ChildProcess; url: string }> {
  const server = spawn(BIN, ['serve', '--port', '0', '--config', join(dir, 'ripcord.yaml'), '--data-dir', join(dir, 'data')], {
    cwd: dir,
    detached: true,
    env: { ...process.env, RIPCORD_ADMIN_TOKEN: TOKEN, RIPCORD_ROLLBACK_LEASE_MS: '1500' },
  });
  servers.push(server);
  let out = '';
  server.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  server.stderr?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const deadline = Date.now() + 20_000;
  while (!/listening: /.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const url = /listening: (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  if (!url) throw new Error(`ripcord serve did not start: ${out}`);
  return { server, url };
}

async function api(url: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

type Plan = { status: string; state?: string; steps: { status: string; attempts: number; durationMs?: number; name: string }[] };

async function waitFor(url: string, id: string, done: (plan: Plan) => boolean, ms: number): Promise<Plan> {
  const deadline = Date.now() + ms;
  for (;;) {
    const plan = (await api(url, 'GET', `/api/v1/rollbacks/${id}`)) as unknown as Plan;
    if (done(plan)) return plan;
    if (Date.now() > deadline) throw new Error(`plan did not get there in ${ms}ms: ${JSON.stringify(plan)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a rollback survives kill -9 of the server', () => {
  it('resumes on restart and never runs a succeeded step again', async () => {
    writeFileSync(
      join(dir, 'ripcord.yaml'),
      [
        'service: shop',
        'environments:',
        '  production:',
        `    provider: { kind: command, deploy: 'true', rollback: 'echo provider-rollback >> ${log}' }`,
        '    rollback:',
        `      - command: 'echo step-one >> ${log}'`,
        `      - command: 'sleep 1.5 && echo step-two >> ${log}'`,
        '      - previous_release',
        '    verify: []',
        '',
      ].join('\n'),
    );
    writeFileSync(log, '');
    const first = await serve();
    const v1 = (await api(first.url, 'POST', '/api/v1/releases', { environment: 'production', version: '1.0.0' })) as { id: string };
    await api(first.url, 'POST', `/api/v1/releases/${v1.id}/transitions`, { status: 'verified' });
    await api(first.url, 'POST', '/api/v1/releases', { environment: 'production', version: '2.0.0' });
    const started = (await api(first.url, 'POST', '/api/v1/rollbacks', { environment: 'production', reason: 'crash test' })) as { plan: { id: string } };
    const id = started.plan.id;

    // Between steps: step one recorded as succeeded, step two running. Then the whole process group dies.
    await waitFor(first.url, id, (plan) => plan.steps[0]?.status === 'succeeded' && plan.steps[1]?.status === 'running', 15_000);
    process.kill(-(first.server.pid as number), 'SIGKILL');
    await new Promise((r) => first.server.once('exit', r));
    expect(readFileSync(log, 'utf8')).toBe('step-one\n');

    const second = await serve();
    const plan = await waitFor(second.url, id, (p) => p.status === 'succeeded' || p.status === 'failed', 20_000);
    expect(plan.status).toBe('succeeded');
    expect(plan.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(plan.steps.map((s) => s.attempts)).toEqual([1, 2, 1]);
    for (const step of plan.steps) expect(step.durationMs).toBeGreaterThanOrEqual(0);
    // step one succeeded before the crash and never ran again; step two was in flight, so it ran again under the
    // same idempotency key (the command provider runs its shell in its own process group, which may outlive the
    // server: command steps must be idempotent); the provider's rollback ran once.
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.filter((line) => line === 'step-one')).toHaveLength(1);
    expect(lines.filter((line) => line === 'provider-rollback')).toHaveLength(1);
    expect(lines.filter((line) => line === 'step-two').length).toBeGreaterThanOrEqual(1);
    expect(lines.at(-1)).toBe('provider-rollback');
    const releases = (await api(second.url, 'GET', '/api/v1/releases?environment=production')) as { releases: { version: string; status: string }[] };
    expect(releases.releases.map((r) => [r.version, r.status])).toEqual([
      ['2.0.0', 'rolled_back'],
      ['1.0.0', 'live'],
    ]);
  }, 60_000);
});
