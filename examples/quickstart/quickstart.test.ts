import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../../src/test-support/until.js';

const run = promisify(execFile);
const TOKEN = 'rcp_quickstart-test-token-000000000000';

/**
 * The README's promise, end to end: `npm start` (start.mjs), then `ripcord release 2.0.0` deploys the
 * buggy version; ripcord must detect it, roll back, verify, and say so within 60 seconds.
 * Every port (control plane, router, both app versions) is picked by the OS: the quickstart is told 0
 * and prints the addresses it got.
 */
describe('quickstart', () => {
  let quickstart: ChildProcess | undefined;
  afterAll(async () => {
    const child = quickstart;
    if (!child?.pid || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    await exited;
  });

  it('detects the 8% bug in 2.0.0, rolls back to 1.0.0 and verifies it within 60 s', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ripcord-quickstart-'));
    quickstart = spawn(process.execPath, [resolve('examples/quickstart/start.mjs')], {
      env: { ...process.env, RIPCORD_DATA_DIR: dataDir, RIPCORD_PORT: '0', QUICKSTART_ROUTER_PORT: '0', QUICKSTART_APP1_PORT: '0', QUICKSTART_APP2_PORT: '0', RIPCORD_ADMIN_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    quickstart.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    await until(() => out.includes('ripcord quickstart is up'), 'the quickstart to come up', 60_000);
    const server = /control plane\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    const router = /router\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    if (!server || !router) throw new Error(`the quickstart did not print its addresses:\n${out}`);
    // The rollback is verified by comparing 1.0.0 with its own traffic before 2.0.0, so 1.0.0 first serves
    // a while alone (as it does for a person reading the banner): wait until the watcher has counted
    // at least 1,000 of its requests, about 10 s of the traffic generator.
    const counted = async () => {
      const response = await fetch(`${server}/api/v1/environments/production/verdict`, { headers: { authorization: `Bearer ${TOKEN}` } });
      if (!response.ok) return 0;
      const watch = (await response.json()) as { version?: string; signals?: Record<string, { value?: number }> };
      return watch.version === '1.0.0' ? (watch.signals?.['requests.count']?.value ?? 0) : 0;
    };
    const deadline = Date.now() + 60_000;
    while ((await counted()) < 1000) {
      if (Date.now() > deadline) throw new Error(`1.0.0 did not serve 1,000 requests within 60 s:\n${out}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    const result = await run(resolve('bin/ripcord'), ['release', '2.0.0', '--watch', '60s', '--json', '--server', server, '--token', TOKEN, '--config', resolve('examples/quickstart/ripcord.yaml')], { timeout: 90_000 }).then(
      (ok) => ({ code: 0, stdout: ok.stdout }),
      (failed: { code: number; stdout: string }) => ({ code: failed.code, stdout: failed.stdout }),
    );
    // The 60 s bound is the release's own watch window: had nothing been detected within it, 2.0.0
    // would have counted as verified and the command would have exited 0.
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/canary error rate \d+(\.\d+)?%/);
    expect(result.stdout).toContain('1.0.0 is live and verified');
    const health = (await (await fetch(`${router}/health`)).json()) as { version: string };
    expect(health.version).toBe('1.0.0');
  }, 120_000);
});
