import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RipcordError } from '../../core/errors.js';
import { registerSecret } from '../../core/secrets.js';
import { FileJournal, OncePerKey } from '../idempotency-journal.js';
import type { Provider, ProviderCapabilities, ReleaseRef, StepRequest, StepResult } from '../provider.js';
import { defineProvider } from '../provider-definition.js';
import type { ProviderDeps } from '../provider-deps.js';
import { assertKnownAction, providerError, throwIfAborted } from '../provider-support.js';
import { runChecked, runProcess } from '../run-process.js';
import { DEFAULT_GIT_BRANCH, DEFAULT_GIT_REMOTE, type GitConfig, gitConfigSchema } from './git-config.js';

const ACTIONS = ['revert', 'reset', 'tag'] as const;
/** Tags the stable commit before a release; as the main provider it is also the environment's `git`. */
const CAPABILITIES: ProviderCapabilities = { previousRelease: 'revert', snapshot: 'tag', slots: ['git'] };
const KEY_TRAILER = 'Ripcord-Idempotency-Key';

const GIT_ENV = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'ripcord',
  GIT_AUTHOR_EMAIL: 'ripcord@localhost',
  GIT_COMMITTER_NAME: 'ripcord',
  GIT_COMMITTER_EMAIL: 'ripcord@localhost',
};

/** Credentials in a clone URL (https://user:token@host/…) are secrets. */
function registerUrlSecrets(repository: string): void {
  try {
    const url = new URL(repository);
    registerSecret(decodeURIComponent(url.password));
    if (url.password === '') registerSecret(decodeURIComponent(url.username));
  } catch {
    // A local path has no credentials.
  }
}

/**
 * The seeds' git rollback: `revert` the release's commits on the deploy branch and push (the safe
 * default, history kept); `reset` the branch to the last known good commit and force-push, only with
 * `force: true`; `tag` the current stable release (`git tag -a`, pushed) as a safeguard.
 * Uses the git CLI without a shell, in ripcord's own clone of the repository.
 */
export class GitProvider implements Provider {
  readonly kind = 'git';
  readonly actions = ACTIONS;
  readonly capabilities = CAPABILITIES;
  private readonly once: OncePerKey;
  private readonly clone: string;
  private readonly branch: string;
  private readonly remote: string;
  /** One action at a time in the clone. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: GitConfig,
    deps: ProviderDeps,
  ) {
    registerUrlSecrets(config.repository);
    this.branch = config.branch ?? DEFAULT_GIT_BRANCH;
    this.remote = config.remote ?? DEFAULT_GIT_REMOTE;
    const id = createHash('sha256').update(`${config.repository}\n${this.branch}`).digest('hex').slice(0, 16);
    this.clone = join(deps.stateDir, 'git', id);
    this.once = new OncePerKey(new FileJournal(join(deps.stateDir, 'git', `${id}-journal`)));
  }

  describe(request: Omit<StepRequest, 'signal' | 'log'>): string {
    assertKnownAction(this.kind, this.actions, request.action);
    const where = `${this.remote}/${this.branch}`;
    if (request.action === 'revert') {
      const range = this.revertRange(request.release, request.target);
      return `git revert ${range} on ${where} and push (history kept)`;
    }
    if (request.action === 'reset') {
      const reset = `git reset --hard ${this.targetCommit(request.target)} on ${where} and force-push (rewrites history)`;
      return this.forced(request.params) ? reset : `would refuse to ${reset}: it needs force: true in the git provider config or the step`;
    }
    const { name, of } = this.tagFor(request);
    return `git tag -a ${name} on ${of.commit ?? `the head of ${where}`} (${of.version}) and push the tag`;
  }

  async perform(request: StepRequest): Promise<StepResult> {
    assertKnownAction(this.kind, this.actions, request.action);
    throwIfAborted(request.signal, this.kind, request.action);
    if (request.action === 'reset') this.assertForce(request.params);
    return this.once.run(request.idempotencyKey, () => this.serially(() => this.act(request)));
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async act(request: StepRequest): Promise<StepResult> {
    throwIfAborted(request.signal, this.kind, request.action);
    await this.sync(request.signal);
    if (request.action === 'revert') return this.revert(request);
    if (request.action === 'reset') return this.reset(request);
    return this.tag(request);
  }

  private git(args: string[], signal: AbortSignal, cwd: string = this.clone) {
    return runChecked('git', args, { cwd, signal, env: { ...process.env, ...GIT_ENV }, timeoutMs: 5 * 60_000 });
  }

  private async out(args: string[], signal: AbortSignal): Promise<string> {
    return (await this.git(args, signal)).stdout.trim();
  }

  /** Bring ripcord's clone to exactly the remote branch (clone on first use). */
  private async sync(signal: AbortSignal): Promise<void> {
    if (!existsSync(join(this.clone, '.git'))) {
      await this.git(['clone', '--origin', this.remote, '--branch', this.branch, this.config.repository, this.clone], signal, process.cwd());
    }
    await this.git(['fetch', '--prune', '--tags', '--force', this.remote], signal);
    await this.git(['checkout', '-B', this.branch, `${this.remote}/${this.branch}`], signal);
    await this.git(['reset', '--hard', `${this.remote}/${this.branch}`], signal);
    await this.git(['clean', '-fdx'], signal);
  }

  private revertRange(release: ReleaseRef, target: ReleaseRef | undefined): string {
    if (!release.commit) {
      throw new RipcordError('invalid_input', `release ${release.version} has no commit recorded, so git cannot revert it (record deploys with --commit)`, [
        { path: 'release.commit', message: 'missing' },
      ]);
    }
    return target?.commit ? `${target.commit}..${release.commit}` : release.commit;
  }

  private async revert(request: StepRequest): Promise<StepResult> {
    const { signal, release, target } = request;
    const range = this.revertRange(release, target);
    // A crash after the push but before the journal write: the trailer on the remote says it is done.
    const done = await this.out(['log', '-n', '1', '--format=%H', `--grep=${KEY_TRAILER}: ${request.idempotencyKey}`, '--fixed-strings'], signal);
    const commits = (await this.out(['rev-list', range.includes('..') ? range : `${range}^!`], signal)).split('\n').filter(Boolean);
    if (done) return this.revertResult(done, commits, release);
    if (commits.length === 0) {
      throw providerError(`nothing to revert: ${range} contains no commits`);
    }
    const head = await this.out(['rev-parse', 'HEAD'], signal);
    const reachable = await runProcess('git', ['merge-base', '--is-ancestor', commits[0] as string, head], { cwd: this.clone, signal });
    if (reachable.code !== 0) throw providerError(`commit ${commits[0]} of release ${release.version} is not on ${this.remote}/${this.branch}`);
    request.log(`git: reverting ${commits.length} commit(s) of ${release.version}`);
    const reverted = await runProcess('git', ['revert', '--no-commit', ...commits], { cwd: this.clone, signal, env: { ...process.env, ...GIT_ENV } });
    if (reverted.code !== 0) {
      await runProcess('git', ['revert', '--abort'], { cwd: this.clone });
      throw providerError(
        `git revert of ${range} did not apply cleanly (conflicts or merge commits); nothing was pushed. Resolve by hand or use the reset action with force: true. ${reverted.stderr.split('\n').slice(0, 3).join(' ')}`,
      );
    }
    const message = `Revert release ${release.version} of ${release.service}/${release.environment}\n\nReverts ${commits.length} commit(s): ${commits.map((c) => c.slice(0, 12)).join(', ')}\n\n${KEY_TRAILER}: ${request.idempotencyKey}`;
    await this.git(['commit', '--allow-empty', '-m', message], signal);
    await this.git(['push', this.remote, `HEAD:refs/heads/${this.branch}`], signal);
    return this.revertResult(await this.out(['rev-parse', 'HEAD'], signal), commits, release);
  }

  private revertResult(revertCommit: string, commits: string[], release: ReleaseRef): StepResult {
    return {
      summary: `reverted ${commits.length} commit(s) of ${release.version} on ${this.branch} and pushed ${revertCommit.slice(0, 12)}`,
      details: { revertCommit, reverted: commits, branch: this.branch, remote: this.remote },
    };
  }

  private forced(params: Record<string, unknown>): boolean {
    return this.config.force === true || params.force === true;
  }

  private assertForce(params: Record<string, unknown>): void {
    if (!this.forced(params)) {
      throw new RipcordError(
        'invalid_input',
        'git reset rewrites the deploy branch and force-pushes: it needs force: true in the git provider config (or the step). Prefer the revert action.',
        [{ path: 'provider.force', message: 'expected true to allow a force-push' }],
      );
    }
  }

  private targetCommit(target: ReleaseRef | undefined): string {
    if (!target?.commit) {
      throw new RipcordError('invalid_input', 'git reset needs the last known good release with a commit recorded', [
        { path: 'target.commit', message: 'missing' },
      ]);
    }
    return target.commit;
  }

  private async reset(request: StepRequest): Promise<StepResult> {
    const { signal } = request;
    const commit = this.targetCommit(request.target);
    const before = await this.out(['rev-parse', 'HEAD'], signal);
    const resolved = await this.out(['rev-parse', '--verify', `${commit}^{commit}`], signal);
    request.log(`git: resetting ${this.branch} from ${before.slice(0, 12)} to ${resolved.slice(0, 12)}`);
    await this.git(['reset', '--hard', resolved], signal);
    // The lease makes the push fail if someone pushed after our fetch, instead of discarding their work.
    await this.git(['push', `--force-with-lease=refs/heads/${this.branch}:${before}`, this.remote, `HEAD:refs/heads/${this.branch}`], signal);
    const version = request.target?.version ?? resolved.slice(0, 12);
    return {
      summary: `reset ${this.branch} to ${version} (${resolved.slice(0, 12)}) and force-pushed; was ${before.slice(0, 12)}`,
      details: { branch: this.branch, from: before, to: resolved, forced: true },
    };
  }

  private tagFor(request: Pick<StepRequest, 'params' | 'release' | 'target'>): { name: string; of: ReleaseRef } {
    // A safeguard before a release tags what is stable now: the target when the executor passes one.
    const of = request.target ?? request.release;
    const name = typeof request.params.tag === 'string' ? request.params.tag : `v${of.version}`;
    if (!/^[\w][\w.+-]*$/.test(name)) throw new RipcordError('invalid_input', `"${name}" is not a usable tag name`, [{ path: 'params.tag', message: 'invalid' }]);
    return { name, of };
  }

  private async tag(request: StepRequest): Promise<StepResult> {
    const { signal } = request;
    const { name, of } = this.tagFor(request);
    const commit = await this.out(['rev-parse', '--verify', `${of.commit ?? 'HEAD'}^{commit}`], signal);
    const existing = await runProcess('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${name}^{commit}`], { cwd: this.clone, signal });
    if (existing.code === 0 && existing.stdout.trim() !== commit) {
      throw providerError(`tag ${name} already exists on ${existing.stdout.trim().slice(0, 12)}, not on ${commit.slice(0, 12)}; choose another tag name`);
    }
    if (existing.code !== 0) {
      const message = typeof request.params.message === 'string' ? request.params.message : `Stable ${of.service} ${of.environment} release ${of.version}`;
      await this.git(['tag', '-a', name, '-m', message, commit], signal);
    }
    await this.git(['push', this.remote, `refs/tags/${name}`], signal);
    return {
      summary: `tagged ${of.version} as ${name} on ${commit.slice(0, 12)} and pushed the tag`,
      details: { tag: name, commit, remote: this.remote },
      snapshots: [{ kind: 'tag', reference: name, checksum: commit, details: { commit, version: of.version, branch: this.branch } }],
    };
  }
}

export function createGitProvider(config: GitConfig, deps: ProviderDeps): GitProvider {
  return new GitProvider(config, deps);
}

export const gitProvider = defineProvider({
  kind: 'git',
  schema: gitConfigSchema,
  capabilities: CAPABILITIES,
  summary: 'a deploy repository: revert the release\'s commits and push (or reset with force), tag before releases',
  create: (config, deps) => new GitProvider(config, deps),
});
