import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../../test-support/until.js';
import { contractRelease, contractTarget, runProviderContract } from '../provider-contract.js';
import { CommandProvider } from './command-provider.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-command-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Whether a process still runs (a zombie waiting to be reaped has stopped running). */
const running = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

const countLines = (file: string): number => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
};

runProviderContract('command', () => {
  const work = tempDir();
  const log = join(work, 'actions.log');
  const provider = new CommandProvider(
    { kind: 'command', deploy: `echo "deploy $RIPCORD_VERSION" >> ${log}`, rollback: `echo "rollback $RIPCORD_TARGET_VERSION" >> ${log}`, env: { API_TOKEN: 'tok-contract-secret-123' } },
    { stateDir: join(work, 'state') },
  );
  return {
    provider,
    request: () => ({ action: 'run', params: { command: `echo "run $RIPCORD_RELEASE_ID" >> ${log}` }, release: contractRelease() }),
    describeRequests: () => [
      { action: 'deploy', params: {}, release: contractRelease() },
      { action: 'rollback', params: {}, release: contractRelease(), target: contractTarget() },
    ],
    effects: async () => countLines(log),
    failure: () => ({
      secret: 'tok-contract-secret-123',
      request: { action: 'run', params: { command: 'echo "token is $API_TOKEN" >&2; exit 3' }, release: contractRelease() },
    }),
  };
});

describe('command provider', () => {
  const signal = new AbortController().signal;
  const log = () => {};

  it('passes RIPCORD_* variables, config env and the working directory to the command', async () => {
    const work = tempDir();
    const provider = new CommandProvider(
      { kind: 'command', deploy: 'true', rollback: 'echo "$RIPCORD_ACTION $RIPCORD_SERVICE $RIPCORD_VERSION -> $RIPCORD_TARGET_VERSION $RIPCORD_TARGET_COMMIT $REGION $(pwd)"', cwd: work, env: { REGION: 'eu-west-1' } },
      { stateDir: join(work, 'state') },
    );
    const result = await provider.perform({
      action: 'rollback',
      params: {},
      release: contractRelease(),
      target: contractTarget({ commit: 'abc123' }),
      idempotencyKey: 'env-1',
      signal,
      log,
    });
    expect(result.details?.output).toEqual([`rollback shop 2.0.0 -> 1.0.0 abc123 eu-west-1 ${work}`]);
  });

  it('a step may carry its own cwd and env', async () => {
    const work = tempDir();
    writeFileSync(join(work, 'marker.txt'), 'here');
    const provider = new CommandProvider(undefined, { stateDir: join(work, 'state') });
    const result = await provider.perform({
      action: 'run',
      params: { command: { run: 'cat marker.txt; echo " $GREETING"', cwd: work, env: { GREETING: 'hello' } } },
      release: contractRelease(),
      idempotencyKey: 'step-1',
      signal,
      log,
    });
    expect(result.details?.output).toEqual(['here hello']);
  });

  it('a failing command fails the step with its exit code and last output lines', async () => {
    const provider = new CommandProvider(undefined, { stateDir: join(tempDir(), 'state') });
    await expect(
      provider.perform({ action: 'run', params: { command: 'echo smoke test 3 failed; exit 4' }, release: contractRelease(), idempotencyKey: 'f', signal, log }),
    ).rejects.toThrow(/exit code 4: smoke test 3 failed/);
  });

  it('kills a command that outlives its timeout, children included', async () => {
    const work = tempDir();
    const provider = new CommandProvider({ kind: 'command', deploy: 'true', timeout: 300 }, { stateDir: join(work, 'state') });
    const pids = join(work, 'pids');
    // The shell records its own pid and its child's; left alone it would run 30 s, then touch `late`.
    const command = `echo $$ > ${pids}; sleep 30 & echo $! >> ${pids}; wait; touch ${join(work, 'late')}`;
    await expect(provider.perform({ action: 'run', params: { command }, release: contractRelease(), idempotencyKey: 't', signal, log })).rejects.toThrow(/timed out after 300ms/);
    const [shell, sleep] = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(shell).toBeGreaterThan(0);
    expect(sleep).toBeGreaterThan(0);
    await until(() => !running(shell as number) && !running(sleep as number), 'the shell and its sleep to be killed', 5000);
    expect(existsSync(join(work, 'late'))).toBe(false);
  });

  it('an abort during the command stops it', async () => {
    const work = tempDir();
    const provider = new CommandProvider(undefined, { stateDir: join(work, 'state') });
    const controller = new AbortController();
    const started = join(work, 'started');
    const step = provider.perform({ action: 'run', params: { command: `echo $$ > ${started}; sleep 30` }, release: contractRelease(), idempotencyKey: 'a', signal: controller.signal, log });
    // Abort once the command is running, not at a guessed moment.
    await until(() => countLines(started) === 1, 'the command to start', 10_000);
    controller.abort();
    await expect(step).rejects.toThrow(/aborted/);
    await until(() => !running(Number(readFileSync(started, 'utf8'))), 'the aborted shell to stop', 5000);
  });

  it('remembers a finished step across provider instances (a restarted server does not run it again)', async () => {
    const work = tempDir();
    const file = join(work, 'count');
    const request = { action: 'run', params: { command: `echo x >> ${file}` }, release: contractRelease(), idempotencyKey: 'plan-7-step-2', signal, log };
    await new CommandProvider(undefined, { stateDir: join(work, 'state') }).perform(request);
    await new CommandProvider(undefined, { stateDir: join(work, 'state') }).perform(request);
    expect(countLines(file)).toBe(1);
  });

  it('says clearly when the provider has no rollback command', async () => {
    const provider = new CommandProvider({ kind: 'command', deploy: 'true' }, { stateDir: join(tempDir(), 'state') });
    expect(() => provider.describe({ action: 'rollback', params: {}, release: contractRelease(), idempotencyKey: 'r' })).toThrow(
      /set provider.rollback in ripcord.yaml/,
    );
  });
});
