import { join } from 'node:path';
import { RipcordError } from '../../core/errors.js';
import { redact } from '../../core/secrets.js';
import { FileJournal, OncePerKey } from '../idempotency-journal.js';
import type { Provider, ProviderCapabilities, ReleaseRef, StepRequest, StepResult } from '../provider.js';
import { defineProvider } from '../provider-definition.js';
import type { ProviderDeps } from '../provider-deps.js';
import { assertKnownAction, lastLines, providerError, throwIfAborted } from '../provider-support.js';
import { runProcess } from '../run-process.js';
import { type CommandConfig, commandConfigSchema, DEFAULT_COMMAND_TIMEOUT_MS } from './command-config.js';

const ACTIONS = ['run', 'deploy', 'rollback'] as const;
/** As the main provider it also runs the plan's `{command: …}` steps. */
const CAPABILITIES: ProviderCapabilities = { deploy: 'deploy', previousRelease: 'rollback', slots: ['command'] };

interface Invocation {
  command: string;
  cwd?: string | undefined;
  env: Record<string, string>;
  timeoutMs: number;
}

/** What a command learns about the step through its environment. */
export function ripcordEnv(action: string, release: ReleaseRef, target: ReleaseRef | undefined): Record<string, string> {
  const env: Record<string, string> = {
    RIPCORD_ACTION: action,
    RIPCORD_SERVICE: release.service,
    RIPCORD_ENVIRONMENT: release.environment,
    RIPCORD_RELEASE_ID: release.id,
    RIPCORD_VERSION: release.version,
  };
  if (release.commit) env.RIPCORD_COMMIT = release.commit;
  if (release.artifact) env.RIPCORD_ARTIFACT = release.artifact;
  if (release.providerDeploymentId) env.RIPCORD_DEPLOYMENT_ID = release.providerDeploymentId;
  if (target) {
    env.RIPCORD_TARGET_RELEASE_ID = target.id;
    env.RIPCORD_TARGET_VERSION = target.version;
    if (target.commit) env.RIPCORD_TARGET_COMMIT = target.commit;
    if (target.artifact) env.RIPCORD_TARGET_ARTIFACT = target.artifact;
    if (target.providerDeploymentId) env.RIPCORD_TARGET_DEPLOYMENT_ID = target.providerDeploymentId;
  }
  return env;
}

/**
 * The escape hatch: any shell command, with env, working directory and timeout. `run` runs a
 * `{command: …}` step; `deploy`/`rollback` run the commands from `provider: {kind: command}`.
 * Results are journaled per idempotency key under the state dir, so a resumed plan does not re-run them.
 */
export class CommandProvider implements Provider {
  readonly kind = 'command';
  readonly actions = ACTIONS;
  readonly capabilities = CAPABILITIES;
  private readonly once: OncePerKey;

  constructor(
    private readonly config: CommandConfig | undefined,
    deps: ProviderDeps,
  ) {
    this.once = new OncePerKey(new FileJournal(join(deps.stateDir, 'command', 'journal')));
  }

  describe(request: Omit<StepRequest, 'signal' | 'log'>): string {
    assertKnownAction(this.kind, this.actions, request.action);
    const call = this.invocation(request);
    return `run \`${redact(call.command)}\`${call.cwd ? ` in ${call.cwd}` : ''} (timeout ${Math.round(call.timeoutMs / 1000)}s)`;
  }

  async perform(request: StepRequest): Promise<StepResult> {
    assertKnownAction(this.kind, this.actions, request.action);
    throwIfAborted(request.signal, this.kind, request.action);
    const call = this.invocation(request);
    return this.once.run(request.idempotencyKey, async () => {
      request.log(`command: ${redact(call.command)}`);
      const result = await runProcess('/bin/sh', ['-c', call.command], {
        cwd: call.cwd,
        env: { ...process.env, ...call.env, ...ripcordEnv(request.action, request.release, request.target) },
        signal: request.signal,
        timeoutMs: call.timeoutMs,
      });
      const output = lastLines(`${result.stdout}\n${result.stderr}`, 20);
      if (result.code !== 0) {
        throw providerError(
          `command \`${call.command}\` failed with exit code ${result.code}${output.length ? `: ${output.slice(-5).join(' | ')}` : ''}`,
        );
      }
      return {
        summary: redact(`ran \`${call.command}\` (exit 0, ${(result.durationMs / 1000).toFixed(1)}s)`),
        details: { exitCode: 0, durationMs: result.durationMs, output },
      };
    });
  }

  private invocation(request: Pick<StepRequest, 'action' | 'params'>): Invocation {
    const timeoutMs =
      (typeof request.params.timeout === 'number' ? request.params.timeout : undefined) ?? this.config?.timeout ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const base = { cwd: this.config?.cwd, env: { ...(this.config?.env ?? {}) }, timeoutMs };
    if (request.action === 'run') {
      const spec = request.params.command;
      if (typeof spec === 'string' && spec.trim()) return { ...base, command: spec };
      if (spec && typeof spec === 'object' && typeof (spec as { run?: unknown }).run === 'string') {
        const { run, cwd, env } = spec as { run: string; cwd?: string; env?: Record<string, string> };
        return { command: run, cwd: cwd ?? base.cwd, env: { ...base.env, ...(env ?? {}) }, timeoutMs };
      }
      throw new RipcordError('invalid_input', 'a command step needs params.command: a command line or {run, cwd?, env?}', [
        { path: 'params.command', message: 'expected a command line' },
      ]);
    }
    const command = request.action === 'deploy' ? this.config?.deploy : this.config?.rollback;
    if (!command) {
      throw new RipcordError(
        'invalid_input',
        `the command provider has no "${request.action}" command: set provider.${request.action} in ripcord.yaml`,
        [{ path: `provider.${request.action}`, message: 'missing' }],
      );
    }
    return { ...base, command };
  }
}

export function createCommandProvider(config: CommandConfig | undefined, deps: ProviderDeps): CommandProvider {
  return new CommandProvider(config, deps);
}

export const commandProvider = defineProvider({
  kind: 'command',
  schema: commandConfigSchema,
  capabilities: CAPABILITIES,
  summary: 'your own deploy and rollback commands (/bin/sh -c), for platforms ripcord does not know',
  create: (config, deps) => new CommandProvider(config, deps),
});
