import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = resolve('bin/ripcord');
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'ripcord-rollback-cli-'));

async function ripcord(args: string[]) {
  try {
    const { stdout, stderr } = await run(BIN, args, { cwd: dir, env: { ...process.env, RIPCORD_SERVER: '', RIPCORD_TOKEN: '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ripcord rollback --local', () => {
  it('prints the plan with --dry-run, then rolls back from the local config and store, and refuses a loop', async () => {
    const log = join(dir, 'rollback.log');
    writeFileSync(
      join(dir, 'ripcord.yaml'),
      `service: shop\nenvironments:\n  production:\n    provider: { kind: command, deploy: 'true', rollback: 'echo "back to $RIPCORD_TARGET_VERSION" >> ${log}' }\n    rollback: [ { command: 'echo pre >> ${log}', name: 'announce' }, previous_release ]\n    verify: []\n`,
    );
    // 0.9.0 under 1.0.0, so that the second rollback has a target and only the cooldown can refuse it.
    expect((await ripcord(['deploy', 'record', '--env', 'production', '--version', '0.9.0'])).code).toBe(0);
    expect((await ripcord(['deploy', 'record', '--env', 'production', '--version', '1.0.0'])).code).toBe(0);
    expect((await ripcord(['deploy', 'record', '--env', 'production', '--version', '2.0.0'])).code).toBe(0);

    const dry = await ripcord(['rollback', '--dry-run', '--local']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('rollback plan for shop/production: 2.0.0 → 1.0.0');
    expect(dry.stdout).toContain('1. [rollback] announce (command.run, timeout 300.0s)');
    expect(dry.stdout).toContain('2. [rollback] put the previous release back (main.rollback');

    const refused = await ripcord(['rollback', '--local']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('needs --yes');

    const done = await ripcord(['rollback', '--local', '--yes', '--reason', 'errors']);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/✔ 1\. announce \(\d+ms\)/);
    expect(done.stdout).toContain('rolled back: 1.0.0 is live (no verification configured); 2.0.0 is rolled back');
    expect(readFileSync(log, 'utf8')).toContain('pre\n');

    const again = await ripcord(['rollback', '--local', '--yes', '--json']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/finished \d+s ago; the 10-minute cooldown guards against rollback loops \(pass --force to override\)/);
    expect(readFileSync(log, 'utf8')).not.toContain('back to 0.9.0');
  }, 60_000);
});
