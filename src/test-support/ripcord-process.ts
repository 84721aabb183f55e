import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve('bin/ripcord');

export interface RipcordProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  output(): string;
  /** Resolves when the output matches; fails after `ms`, or at once if the process exits first. */
  waitForOutput(pattern: RegExp, what: string, ms?: number): Promise<RegExpExecArray>;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** kill -9 of the whole process group (the server and what it started), for clean-up. */
  destroy(): void;
}

/** A real `ripcord <args>` in its own process group; `url` is read from its `listening:` line (for serve). */
export async function startRipcord(args: string[], options: { cwd: string; env?: Record<string, string>; waitForListening?: boolean; ms?: number }): Promise<RipcordProcess> {
  const child = spawn(BIN, args, { cwd: options.cwd, detached: true, env: { ...process.env, ...options.env } });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitedPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      for (const listener of listeners) listener();
      done(exit);
    });
  });
  const waitForOutput = (pattern: RegExp, what: string, ms = 60_000) =>
    new Promise<RegExpExecArray>((done, fail) => {
      const check = () => {
        const match = pattern.exec(out);
        if (match) {
          cleanup();
          done(match);
        } else if (exit) {
          cleanup();
          fail(new Error(`ripcord exited (${JSON.stringify(exit)}) before ${what}; output:\n${out}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        fail(new Error(`timed out after ${ms}ms waiting for ${what}; output:\n${out}`));
      }, ms);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  const proc: RipcordProcess = {
    child,
    pid: child.pid as number,
    url: '',
    output: () => out,
    waitForOutput,
    exited: () => exitedPromise,
    alive: () => !exit,
    destroy: () => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // gone already
      }
    },
  };
  if (options.waitForListening !== false) {
    const match = await waitForOutput(/listening: (http:\/\/127\.0\.0\.1:\d+)/, 'ripcord serve to listen', options.ms ?? 120_000);
    proc.url = match[1] as string;
  }
  return proc;
}
