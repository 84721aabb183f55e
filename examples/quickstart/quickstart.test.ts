import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const TOKEN = 'rcp_quickstart-test-token-000000000000';
const PORT = 4796;

/**
 * The README's promise, end to end: `npm start` (start.mjs), then `ripcord release 2.0.0` deploys the
 * buggy version; ripcord must detect it, roll back, verify, and say so within 60 seconds.
 * Uses the quickstart's fixed router ports 8080–8082.
 */
describe('quickstart', () => {
  let quickstart: ChildProcess | undefined;
  afterAll(async () => {
    if (quickstart?.pid) process.kill(-quickstart.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
  });

  it('detects the 8% bug in 2.0.0, rolls back to 1.0.0 and verifies it within 60 s', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ripcord-quickstart-'));
    quickstart = spawn(process.execPath, [resolve('examples/quickstart/start.mjs')], {
      env: { ...process.env, RIPCORD_DATA_DIR: dataDir, RIPCORD_PORT: String(PORT), RIPCORD_ADMIN_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    quickstart.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const deadline = Date.now() + 45_000;
    while (!out.includes('ripcord quickstart is up') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(out).toContain('ripcord quickstart is up');

    const result = await run(resolve('bin/ripcord'), ['release', '2.0.0', '--watch', '60s', '--json', '--server', `http://127.0.0.1:${PORT}`, '--token', TOKEN, '--config', resolve('examples/quickstart/ripcord.yaml')], { timeout: 90_000 }).then(
      (ok) => ({ code: 0, stdout: ok.stdout }),
      (failed: { code: number; stdout: string }) => ({ code: failed.code, stdout: failed.stdout }),
    );
    // The 60 s bound is the release's own watch window: had nothing been detected within it, 2.0.0
    // would have counted as verified and the command would have exited 0.
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/canary error rate \d+(\.\d+)?%/);
    expect(result.stdout).toContain('1.0.0 is live and verified');
    const health = (await (await fetch('http://127.0.0.1:8080/health')).json()) as { version: string };
    expect(health.version).toBe('1.0.0');
  }, 120_000);
});
