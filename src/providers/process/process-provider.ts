import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { RipcordError } from '../../core/errors.js';
import { FileJournal, type IdempotencyJournal, MemoryJournal, OncePerKey } from '../idempotency-journal.js';
import type { ProviderDeps } from '../provider-deps.js';
import { instanceStateDir, readJsonFile, writeJsonAtomically } from '../state-file.js';
import type { Provider, ProviderCapabilities, StepRequest, StepResult } from '../provider.js';
import { defineProvider } from '../provider-definition.js';
import { assertKnownAction, throwIfAborted } from '../provider-support.js';
import { HEALTH_TIMEOUT_MS, type ProcessConfig, processConfigSchema } from './process-config.js';

const ACTIONS = ['start', 'stop', 'deploy', 'rollback_to'] as const;
const CAPABILITIES: ProviderCapabilities = { deploy: 'deploy', previousRelease: 'rollback_to' };

interface Running {
  version: string;
  port: number;
  /** The process group (the shell's pid; started detached so the whole group is stopped together). */
  pid: number;
  /** Absent for a version adopted after a restart: ripcord did not start it in this life. */
  child?: ChildProcess | undefined;
}

/** Is the process group still there? (signal 0 checks without signalling.) */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs versions of an app as child processes: `command` with VERSION and PORT in its environment,
 * healthy once `health` answers 2xx. `deploy`/`rollback_to` start the wanted version, wait until it is
 * healthy, then stop the others; `start`/`stop` act on one version (a router switches between them).
 * With a state directory the running versions (version, port, process group) are written to a file and
 * adopted on the next start: the apps are the service, so a ripcord restart neither kills nor forgets them.
 */
export class ProcessProvider implements Provider {
  readonly kind = 'process';
  readonly actions = ACTIONS;
  readonly capabilities = CAPABILITIES;
  private readonly running = new Map<string, Running>();
  /** A step performed again under its key (a retry, a resumed plan) answers as before and starts nothing. */
  private readonly once: OncePerKey;
  private nextPort: number;
  /** Where the running versions are recorded; undefined = this provider's life only. */
  private readonly stateFile: string | undefined;

  constructor(
    private readonly config: ProcessConfig,
    deps?: Pick<ProviderDeps, 'stateDir'>,
  ) {
    this.nextPort = config.port ?? 9000;
    // One state per app: the command and folder name it, so two environments' apps never mix.
    const dir = deps ? instanceStateDir(deps.stateDir, 'process', `${config.cwd ?? ''}\n${config.command}`) : undefined;
    let journal: IdempotencyJournal = new MemoryJournal();
    if (dir) {
      journal = new FileJournal(join(dir, 'journal'));
      this.stateFile = join(dir, 'running.json');
      this.adopt();
    }
    this.once = new OncePerKey(journal);
  }

  /** Takes over the versions a previous ripcord started that are still running. */
  private adopt(): void {
    if (!this.stateFile) return;
    for (const entry of readJsonFile<Omit<Running, 'child'>[]>(this.stateFile) ?? []) {
      if (!groupAlive(entry.pid)) continue;
      this.running.set(entry.version, { version: entry.version, port: entry.port, pid: entry.pid });
      this.nextPort = Math.max(this.nextPort, entry.port + 1);
    }
    this.record();
  }

  private record(): void {
    if (this.stateFile) writeJsonAtomically(this.stateFile, [...this.running.values()].map(({ version, port, pid }) => ({ version, port, pid })));
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

  /**
   * On shutdown: versions recorded in the state directory keep running (the next start adopts them);
   * without one, nobody could find them again, so they are stopped.
   */
  async close(): Promise<void> {
    if (!this.stateFile) await this.stopAll();
  }

  async stopAll(): Promise<void> {
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
    if (!child.pid) throw new RipcordError('unavailable', `could not start ${version}: \`${this.config.command}\` did not spawn`);
    const entry: Running = { version, port, pid: child.pid, child };
    this.running.set(version, entry);
    this.record();
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
      const exitCode = entry.child?.exitCode ?? null;
      if (exitCode !== null) throw new RipcordError('unavailable', `${entry.version} exited with code ${exitCode} before it was healthy`);
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
    this.record();
    if (entry.child ? entry.child.exitCode !== null : !groupAlive(entry.pid)) return;
    try {
      process.kill(-entry.pid, 'SIGTERM');
    } catch {
      return;
    }
    // An adopted version is not our child: poll for its group to go instead of waiting for 'exit'.
    const exited = entry.child ? new Promise((resolve) => entry.child?.once('exit', resolve)) : waitUntilGone(entry.pid, 5000);
    const timer = setTimeout(() => {
      try {
        process.kill(-entry.pid, 'SIGKILL');
      } catch {}
    }, 5000);
    await exited;
    clearTimeout(timer);
    if (!entry.child) await waitUntilGone(entry.pid, 2000);
  }
}

async function waitUntilGone(pid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (groupAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

export function createProcessProvider(config: ProcessConfig, deps?: Pick<ProviderDeps, 'stateDir'>): ProcessProvider {
  return new ProcessProvider(config, deps);
}

export const processProvider = defineProvider({
  kind: 'process',
  schema: processConfigSchema,
  capabilities: CAPABILITIES,
  summary: 'a local process per version, started and health-checked by ripcord',
  create: (config, deps) => new ProcessProvider(config, deps),
});
