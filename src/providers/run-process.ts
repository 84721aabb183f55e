import { spawn } from 'node:child_process';
import { redact } from '../core/secrets.js';
import { lastLines, providerError } from './provider-support.js';

export interface RunOptions {
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Written to the child's stdin, then closed. */
  input?: string | undefined;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/**
 * The guard in every step's process group: it waits on a pipe from ripcord (fd 3). ripcord writes a
 * line when it is done with the step; if ripcord dies instead (kill -9, OOM), the pipe closes unread,
 * `read` fails, and the guard kills the whole group, so no side effect finishes while ripcord is dead
 * and runs again on resume. Then the program replaces the shell (same pid, same group).
 */
const GUARD = '( read -r _ <&3 || kill -KILL 0 ) </dev/null >/dev/null 2>&1 & exec 3<&-; exec "$0" "$@"';

/** Keep the tail of long outputs: the end is where a failing command says why. */
const MAX_OUTPUT = 1024 * 1024;

/**
 * Run a program without a shell (arguments are passed as they are), in its own process group so a
 * timeout or an abort stops it and everything it started. Resolves with the exit code; rejects only
 * when the program could not start, timed out or was aborted (messages redacted).
 */
export function runProcess(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const label = [file, ...args.slice(0, 1)].join(' ');
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(providerError(`${label} was aborted before it started`));
      return;
    }
    const child = spawn('/bin/sh', ['-c', GUARD, file, ...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    const lifeline = child.stdio[3] as NodeJS.WritableStream & { destroy(): void };
    lifeline.on('error', () => {});
    let stdout = '';
    let stderr = '';
    let stopped: string | undefined;
    const append = (current: string, chunk: Buffer): string => {
      const next = current + chunk.toString('utf8');
      return next.length > MAX_OUTPUT ? next.slice(-MAX_OUTPUT) : next;
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout = append(stdout, chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = append(stderr, chunk);
    });
    const stop = (why: string): void => {
      stopped = why;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = options.timeoutMs ? setTimeout(() => stop(`timed out after ${options.timeoutMs}ms`), options.timeoutMs) : undefined;
    const onAbort = (): void => stop('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    const finish = (): void => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    // Done with the step: tell the guard to leave the group alone (what the program left running, it meant to).
    child.on('exit', () => lifeline.end('done\n'));
    child.on('error', (error) => {
      finish();
      reject(providerError(`could not start ${file}: ${error.message}`));
    });
    child.on('close', (code, signalName) => {
      finish();
      if (stopped) {
        const tail = lastLines(`${stdout}\n${stderr}`, 5).join(' | ');
        reject(providerError(`${label} was ${stopped === 'aborted' ? 'aborted' : stopped}${tail ? `; last output: ${tail}` : ''}`));
        return;
      }
      // The guard's `exec` answers 127 when the program is not there (spawn's own ENOENT, before the guard).
      if (code === 127 && /exec: .*(not found|No such file)|can't execute/.test(stderr)) {
        reject(providerError(`could not start ${file}: ${lastLines(stderr, 1).join('')}`));
        return;
      }
      resolve({ code: code ?? (signalName ? 128 : 1), stdout, stderr, durationMs: Date.now() - started });
    });
  });
}

/** Run and require exit code 0; otherwise a redacted error with the last lines of output. */
export async function runChecked(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await runProcess(file, args, options);
  if (result.code !== 0) {
    const tail = lastLines(`${result.stdout}\n${result.stderr}`, 8).join(' | ');
    throw providerError(`${file} ${redact(args[0] ?? '')} failed with exit code ${result.code}: ${tail || 'no output'}`);
  }
  return result;
}
