import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../test-support/until.js';

const BIN = resolve('bin/ripcord');
const run = promisify(execFile);

/** Runs the real CLI the way a person does; returns exit code and both streams. */
async function ripcord(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  try {
    const { stdout, stderr } = await run(BIN, args, { cwd: options.cwd, env: { ...process.env, RIPCORD_SERVER: '', RIPCORD_TOKEN: '', ...options.env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A fresh working directory per test; with `init`, holding the starter ripcord.yaml of pulse-messages. */
async function workspace(init = false): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-cli-'));
  if (init) expect((await ripcord(['init', '--service', 'pulse-messages'], { cwd: dir })).code).toBe(0);
  return dir;
}

describe('ripcord CLI', () => {
  let server: ChildProcess | undefined;
  afterEach(() => {
    server?.kill('SIGTERM');
    server = undefined;
  });

  it('init writes a starter that validate accepts; validate prints one summary line', async () => {
    const dir = await workspace();
    expect((await ripcord(['init', '--service', 'pulse-messages'], { cwd: dir })).code).toBe(0);
    const again = await ripcord(['init'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists already');
    const ok = await ripcord(['validate'], { cwd: dir });
    expect(ok).toMatchObject({ code: 0, stdout: 'ripcord.yaml: valid — service pulse-messages, 1 environment (production), 4 triggers\n' });
  });

  it('validate lists every problem with file:line:column and exits 1, without printing secrets', async () => {
    const dir = await workspace();
    writeFileSync(
      join(dir, 'broken.yaml'),
      'service: web\nenvironments:\n  production:\n    provider: { kind: vercel, project: web, token: ${VERCEL_TOKEN} }\n    signals: { requests: { ingest: true } }\n    triggers: [ { signal: requests.error_rate, above: 5, for: 5m, severity: P9 } ]\n',
    );
    const result = await ripcord(['validate', 'broken.yaml'], { cwd: dir, env: { VERCEL_TOKEN: 'tok-very-secret-value' } });
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split('\n')).toEqual(['broken.yaml:6:77 environments.production.triggers[0].severity: expected a severity: P0, P1, P2 or P3 (Sev1..Sev4 and Critical/High/Medium/Low also work)']);
    expect(result.stdout + result.stderr).not.toContain('tok-very-secret-value');
    const json = await ripcord(['validate', 'broken.yaml', '--json'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, problems: [{ line: 4, path: 'environments.production.provider.token', message: 'environment variable VERCEL_TOKEN is not set' }, { line: 6 }] });
  });

  it('records deploys on the local store and prints the seeds\' deployment log', async () => {
    const dir = await workspace(true);
    const record = (version: string, at: string) => ripcord(['deploy', 'record', '--env', 'production', '--version', version, '--deployed-at', at, '--snapshot', `database_backup=backups/${version}.sql`], { cwd: dir });
    expect((await record('v1.0.0', '2025-10-12T14:30:00Z')).stdout).toMatch(/^recorded pulse-messages\/production v1\.0\.0 as live/);
    expect((await record('v1.0.1', '2025-10-12T15:00:00Z')).code).toBe(0);
    const log = await ripcord(['deployments', '--env', 'production', '--format', 'log'], { cwd: dir });
    expect(log.stdout).toBe('Deployed v1.0.0 on Sun Oct 12 14:30:00 UTC 2025\nDeployed v1.0.1 on Sun Oct 12 15:00:00 UTC 2025\n');
    const json = JSON.parse((await ripcord(['deployments', '--json'], { cwd: dir })).stdout) as { releases: { version: string; status: string }[] };
    expect(json.releases.map((r) => `${r.version}:${r.status}`)).toEqual(['v1.0.1:live', 'v1.0.0:superseded']);
  });

  it('exits 2 on usage errors and says what is wrong', async () => {
    const dir = await workspace();
    const missing = await ripcord(['deploy', 'record', '--env', 'production'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--version <version>' not specified");
    const typo = await ripcord(['deploymnets'], { cwd: dir });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('(Did you mean deployments?)');
    expect((await ripcord(['deploy', 'record', '--help'], { cwd: dir })).stdout).toContain('Example:');
    const interval = await ripcord(['serve', '--port', '0', '--data-dir', join(dir, 'never'), '--watch-interval', 'often'], { cwd: dir });
    expect(interval.code).toBe(2);
    expect(interval.stderr).toContain('--watch-interval: "often" is not a duration of at least 100ms');
  });

  it('serve prints its URL and a one-time admin token; the CLI then works through the server', async () => {
    const dir = await workspace(true);
    server = spawn(BIN, ['serve', '--port', '0', '--data-dir', join(dir, 'server-data')], { cwd: dir, env: { ...process.env, RIPCORD_ADMIN_TOKEN: '' } });
    let out = '';
    let log = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    server.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    await until(() => /admin token \(shown once/.test(out), 'serve to print its admin token', 20_000);
    const url = /listening: (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    const token = /admin token \(shown once, keep it safe\): (rcp_\S+)/.exec(out)?.[1];
    expect(url).toBeDefined();
    expect(token).toBeDefined();
    const env = { RIPCORD_SERVER: url, RIPCORD_TOKEN: token };
    expect((await ripcord(['deploy', 'record', '--env', 'staging', '--version', '2.0.0'], { cwd: dir, env })).stdout).toMatch(/as live/);
    const status = await ripcord(['status', '--json'], { cwd: dir, env });
    // The server found ./ripcord.yaml (production) and the ledger knows staging.
    expect(JSON.parse(status.stdout).environments).toMatchObject([
      { environment: 'production', service: 'pulse-messages' },
      { environment: 'staging', current: { version: '2.0.0', deployedBy: 'bootstrap-admin' } },
    ]);
    const denied = await ripcord(['status'], { cwd: dir, env: { RIPCORD_SERVER: url, RIPCORD_TOKEN: 'rcp_wrong-token-00000000000000' } });
    expect(denied).toMatchObject({ code: 1 });
    expect(denied.stderr).toContain('unknown or revoked');
    // The token is printed once, on stdout, and never written to the server's log, though every
    // request above carried it (and a wrong one); nor is it stored in clear under the data dir.
    expect(out.split(token as string).length).toBe(2);
    // The server's log: JSON lines (pino) on stdout, with whatever reaches stderr.
    const logLines = [...out.split('\n').filter((line) => line.startsWith('{')), log];
    expect(logLines.length).toBeGreaterThan(1);
    for (const line of logLines) {
      expect(line).not.toContain(token);
      expect(line).not.toContain('rcp_wrong-token-00000000000000');
    }
    for (const file of readdirSync(join(dir, 'server-data'), { recursive: true, withFileTypes: true })) {
      if (file.isFile()) expect(readFileSync(join(file.parentPath, file.name)).includes(token as string), file.name).toBe(false);
    }
  });
});
