import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../test-support/until.js';

const BIN = resolve('bin/ripcord');
const run = promisify(execFile);

async function ripcord(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  try {
    const { stdout, stderr } = await run(BIN, args, { cwd: options.cwd, env: { ...process.env, RIPCORD_SERVER: '', RIPCORD_TOKEN: '', ...options.env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** What a person sees when `serve` refuses to start: the settings, the config size and the secret key. */
describe('ripcord serve refuses bad settings before it starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-serve-settings-'));
  const servers: ChildProcess[] = [];
  afterAll(() => {
    for (const server of servers) server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('names RIPCORD_ROLLBACK_COOLDOWN_MS=abc and every other bad value, exits 2, and touches no store', async () => {
    const dataDir = join(dir, 'never-made');
    const result = await ripcord(['serve', '--port', '0', '--data-dir', dataDir, '--stream-limit', 'many'], { cwd: dir, env: { RIPCORD_ROLLBACK_COOLDOWN_MS: 'abc', RIPCORD_LOG_LEVEL: 'loud' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      [
        "error: 3 problems with the server's settings:",
        '  RIPCORD_ROLLBACK_COOLDOWN_MS: "abc" is not a whole number of milliseconds from 0 (no cooldown) to 604800000 (7 days), e.g. 600000 for 10 minutes',
        '  RIPCORD_LOG_LEVEL: "loud" is not a log level; use one of fatal, error, warn, info, debug, trace, silent',
        '  --stream-limit: "many" is not a whole number of open streams from 1 to 1000000',
        '',
      ].join('\n'),
    );
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);

  it('refuses a 50 MB ripcord.yaml at once, in validate and in serve, naming the file and its size', async () => {
    const huge = join(dir, 'huge.yaml');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, 50 * 1024 * 1024);
    closeSync(fd);
    const message = 'huge.yaml is 50 MB (52428800 bytes): the limit for a config file is 1 MB (1048576 bytes); a rollback plan is a few kilobytes, so check that this is the right file';
    const validate = await ripcord(['validate', 'huge.yaml'], { cwd: dir });
    expect(validate.code).toBe(1);
    expect(validate.stdout).toBe(`huge.yaml:1:1 ${message}\n`);
    const serve = await ripcord(['serve', '--port', '0', '--data-dir', join(dir, 'huge-data'), '--config', 'huge.yaml'], { cwd: dir });
    expect(serve.code).toBe(1);
    expect(serve.stderr).toContain(message);
  }, 120_000);

  it('makes its key file on first start, and a server with another key stops with one line saying what to do', async () => {
    const dataDir = join(dir, 'data');
    const keyFile = join(dir, 'keys', 'secret.key');
    const server = spawn(BIN, ['serve', '--port', '0', '--data-dir', dataDir, '--secret-key-file', keyFile], { cwd: dir, env: { ...process.env, RIPCORD_SECRET_KEY: '', RIPCORD_ADMIN_TOKEN: 'rcp_serve-settings-admin-0000000' } });
    servers.push(server);
    let out = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    await until(() => out.includes('listening:'), 'the first server to listen', 90_000);
    const id = /secret key: ([0-9a-f]{16}) from (\S+) \(made now/.exec(out);
    expect(id?.[2]).toBe(keyFile);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const exited = new Promise((done) => server.once('exit', done));
    server.kill('SIGTERM');
    await exited;

    const other = 'c0ffee'.repeat(10).concat('c0ff');
    const wrong = await ripcord(['serve', '--port', '0', '--data-dir', dataDir], { cwd: dir, env: { RIPCORD_SECRET_KEY: other, RIPCORD_LOG_LEVEL: 'silent' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toMatch(new RegExp(`^error: the signing keys in ${join(dataDir, 'ripcord.db')} are sealed with secret key ${id?.[1]}, but this server's key \\(RIPCORD_SECRET_KEY\\) is [0-9a-f]{16}: give every server that shares the store the same key`));
    expect(wrong.stderr + wrong.stdout).not.toContain(other);
  }, 180_000);
});
