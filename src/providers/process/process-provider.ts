import { type ChildProcess, spawn } from 'node:child_process';
import { RipcordError } from '../../core/errors.js';
import { MemoryJournal, OncePerKey } from '../idempotency-journal.js';
import type { Provider, StepRequest, StepResult } from '../provider.js';
import { assertKnownAction, throwIfAborted } from '../provider-support.js';
import { HEALTH_TIMEOUT_MS, type ProcessConfig } from './process-config.js';

const ACTIONS = ['start', 'stop', 'deploy', 'rollback_to'] as const;

interface Running {
  version: string;
  port: number;
  child: ChildProcess;
}

/**
 * Runs versions of an app as child processes: `command` with VERSION and PORT in its environment,
 * healthy once `health` answers 2xx. `deploy`/`rollback_to` start the wanted version, wait until it is
 * healthy, then stop the others; `start`/`stop` act on one version (a router switches between them).
 */
export class ProcessProvider implements Provider {
  readonly kind = 'process';
  readonly actions = ACTIONS;
  private readonly running = new Map<string, Running>();
  /** A step performed again under its key (a retry, a resumed plan) answers as before and starts nothing. */
  private readonly once = new OncePerKey(new MemoryJournal());
  private nextPort: number;

  constructor(private readonly config: ProcessConfig) {
    this.nextPort = config.port ?? 9000;
  }

  versions(): Record<string, number> {
    return Object.fromEntries([...this.running.values()].map((r) => [r.version, r.port]));
  }

  describe(request: Omit<StepRequest, 'signal' | 'log'>): string {
    assertKnownAction(this.kind, this.actions, request.action);
    const version = this.versionFor(request);
    if (request.action === 'stop') return `stop the ${version} process`;
    const others = [...this.running.keys()].filter((v) => v !== version);
    return `start \`${this.config.command}\` as ${version}, wait for ${this.config.health ?? 'the process to stay up'}${request.action === 'start' || !others.length ? '' : `, then stop ${others.join(', ')}`}`;
  }

  async perform(request: StepRequest): Promise<StepResult> {
    assertKnownAction(this.kind, this.actions, request.action);
    throwIfAborted(request.signal, this.kind, request.action);
    return this.once.run(request.idempotencyKey, () => this.act(request));
  }

  private async act(request: StepRequest): Promise<StepResult> {
    const version = this.versionFor(request);
    if (request.action === 'stop') {
      await this.stop(version);
      return { summary: `stopped ${version}` };
    }
    // Idempotent: a version already running is not started twice.
    const started = this.running.get(version) ?? (await this.start(version, request));
    const stopped: string[] = [];
    if (request.action !== 'start') {
      for (const other of [...this.running.keys()].filter((v) => v !== version)) {
        await this.stop(other);
        stopped.push(other);
      }
    }
    return { summary: `${version} is running on port ${started.port} and healthy${stopped.length ? `; stopped ${stopped.join(', ')}` : ''}`, details: { port: started.port } };
  }

  async close(): Promise<void> {
    for (const version of [...this.running.keys()]) await this.stop(version);
  }

  private versionFor(request: Pick<StepRequest, 'action' | 'params' | 'release' | 'target'>): string {
    if (typeof request.params.version === 'string') return request.params.version;
    const version = request.action === 'rollback_to' ? request.target?.version : request.release.version;
    if (!version) throw new RipcordError('invalid_input', `process ${request.action}: no version to act on`);
    return version;
  }

  private async start(version: string, request: StepRequest): Promise<Running> {
    const port = typeof request.params.port === 'number' ? request.params.port : this.nextPort++;
    const child = spawn('/bin/sh', ['-c', this.config.command], {
      cwd: this.config.cwd,
      env: { ...process.env, ...this.config.env, VERSION: version, PORT: String(port), RIPCORD_VERSION: version },
      stdio: 'ignore',
      detached: true,
    });
    const entry = { version, port, child };
    this.running.set(version, entry);
    request.log(`process: started ${version} on port ${port} (pid ${child.pid})`);
    try {
      await this.waitHealthy(entry, request.signal);
    } catch (error) {
      await this.stop(version);
      throw error;
    }
    return entry;
  }

  private async waitHealthy(entry: Running, signal: AbortSignal): Promise<void> {
    const health = this.config.health;
    const url = health ? (health.startsWith('/') ? `http://127.0.0.1:${entry.port}${health}` : health.replaceAll('{port}', String(entry.port))) : undefined;
    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    let last = 'no answer yet';
    for (;;) {
      if (entry.child.exitCode !== null) throw new RipcordError('unavailable', `${entry.version} exited with code ${entry.child.exitCode} before it was healthy`);
      if (!url) return;
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        if (response.ok) return;
        last = `answered ${response.status}`;
      } catch (error) {
        last = (error as Error).message;
      }
      if (signal.aborted || Date.now() > deadline) throw new RipcordError('unavailable', `${entry.version} did not become healthy at ${url} (${last})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async stop(version: string): Promise<void> {
    const entry = this.running.get(version);
    if (!entry) return;
    this.running.delete(version);
    if (entry.child.exitCode !== null || !entry.child.pid) return;
    const exited = new Promise((resolve) => entry.child.once('exit', resolve));
    try {
      process.kill(-entry.child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (entry.child.pid) process.kill(-entry.child.pid, 'SIGKILL');
      } catch {}
    }, 5000);
    await exited;
    clearTimeout(timer);
  }
}

export function createProcessProvider(config: ProcessConfig): ProcessProvider {
  return new ProcessProvider(config);
}
