import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contractRelease, contractTarget, runProviderContract } from '../provider-contract.js';
import type { StepRequest } from '../provider.js';
import { GitProvider } from './git-provider.js';

const env = { ...process.env, GIT_AUTHOR_NAME: 'dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'dev', GIT_COMMITTER_EMAIL: 'dev@example.com' };
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A real bare remote with a developer's clone that pushes to it. */
function makeRemote() {
  const root = mkdtempSync(join(tmpdir(), 'ripcord-git-'));
  dirs.push(root);
  const remote = join(root, 'remote.git');
  const dev = join(root, 'dev');
  git(root, 'init', '--bare', '--initial-branch=main', remote);
  git(root, 'clone', remote, dev);
  git(dev, 'checkout', '-B', 'main');
  let n = 0;
  const commit = (file: string, content: string, message = `change ${++n}`): string => {
    writeFileSync(join(dev, file), content);
    git(dev, 'add', file);
    git(dev, 'commit', '-m', message);
    git(dev, 'push', 'origin', 'HEAD:main');
    return git(dev, 'rev-parse', 'HEAD');
  };
  const remoteFile = (file: string): string | undefined => {
    try {
      return git(root, '--git-dir', remote, 'show', `main:${file}`);
    } catch {
      return undefined;
    }
  };
  const remoteLog = (): string[] => git(root, '--git-dir', remote, 'log', '--format=%s', 'main').split('\n');
  return { root, remote, dev, commit, remoteFile, remoteLog, state: join(root, 'state') };
}

const request = (over: Partial<StepRequest>): StepRequest => ({
  action: 'revert',
  params: {},
  release: contractRelease(),
  idempotencyKey: `k-${Math.random()}`,
  signal: new AbortController().signal,
  log: () => {},
  ...over,
});

runProviderContract('git', () => {
  const repo = makeRemote();
  repo.commit('app.txt', 'v1');
  const provider = new GitProvider({ kind: 'git', repository: repo.remote }, { stateDir: repo.state });
  let n = 0;
  return {
    provider,
    request: () => {
      // Each request reverts a fresh release commit, so every real revert is one more "Revert" commit.
      git(repo.dev, 'pull', '--ff-only', 'origin', 'main');
      const sha = repo.commit(`feature-${++n}.txt`, `feature ${n}`);
      return { action: 'revert', params: {}, release: contractRelease({ commit: sha, version: `2.0.${n}` }) };
    },
    describeRequests: () => [
      { action: 'tag', params: {}, release: contractRelease(), target: contractTarget() },
      { action: 'reset', params: { force: true }, release: contractRelease(), target: contractTarget({ commit: 'abc123' }) },
    ],
    effects: async () => repo.remoteLog().filter((s) => s.startsWith('Revert release')).length,
    // A release commit git does not know; git's own error quotes the revision, which here is a token pasted by mistake.
    failure: () => ({ secret: 'gitsecret-ab12cd', request: { action: 'revert', params: {}, release: contractRelease({ commit: 'gitsecret-ab12cd' }) } }),
  };
});

describe('git provider', () => {
  it('reverts every commit of the release (last known good..release) and pushes to the remote', async () => {
    const repo = makeRemote();
    const good = repo.commit('app.txt', 'v1');
    repo.commit('app.txt', 'v2 part 1');
    const bad = repo.commit('extra.txt', 'v2 part 2');
    const provider = new GitProvider({ kind: 'git', repository: repo.remote }, { stateDir: repo.state });
    const result = await provider.perform(request({ release: contractRelease({ commit: bad }), target: contractTarget({ commit: good }) }));
    expect(repo.remoteFile('app.txt')).toBe('v1');
    expect(repo.remoteFile('extra.txt')).toBeUndefined();
    expect(result.details?.reverted).toHaveLength(2);
    expect(repo.remoteLog()[0]).toBe('Revert release 2.0.0 of shop/production');
    expect(repo.remoteLog()).toHaveLength(4); // history kept
  });

  it('does not revert twice after a crash between push and journal: the key trailer on the remote says it is done', async () => {
    const repo = makeRemote();
    repo.commit('app.txt', 'v1');
    const bad = repo.commit('app.txt', 'v2');
    const req = request({ release: contractRelease({ commit: bad }), idempotencyKey: 'plan-1-step-1' });
    await new GitProvider({ kind: 'git', repository: repo.remote }, { stateDir: repo.state }).perform(req);
    // A new state dir = the journal is lost; only the remote remembers.
    const again = await new GitProvider({ kind: 'git', repository: repo.remote }, { stateDir: join(repo.root, 'state-2') }).perform(req);
    expect(repo.remoteLog().filter((s) => s.startsWith('Revert'))).toHaveLength(1);
    expect(again.summary).toMatch(/reverted 1 commit/);
  });

  it('refuses a revert that conflicts and pushes nothing', async () => {
    const repo = makeRemote();
    repo.commit('app.txt', 'v1');
    const bad = repo.commit('app.txt', 'v2');
    repo.commit('app.txt', 'v3 hotfix on top');
    const provider = new GitProvider({ kind: 'git', repository: repo.remote }, { stateDir: repo.state });
    await expect(provider.perform(request({ release: contractRelease({ commit: bad }) }))).rejects.toThrow(/did not apply cleanly.*nothing was pushed/);
    expect(repo.remoteFile('app.txt')).toBe('v3 hotfix on top');
  });

  it('reset to the last known good commit needs force: true, then force-pushes', async () => {
    const repo = makeRemote();
    const good = repo.commit('app.txt', 'v1');
    repo.commit('app.txt', 'v2');
    const safe = new GitProvider({ kind: 'git', repository: repo.remote }, { stateDir: repo.state });
    expect(safe.describe(request({ action: 'reset', target: contractTarget({ commit: good }) }))).toMatch(/^would refuse to git reset --hard/);
    await expect(safe.perform(request({ action: 'reset', target: contractTarget({ commit: good }) }))).rejects.toThrow(/needs force: true/);
    expect(repo.remoteFile('app.txt')).toBe('v2');
    const forced = new GitProvider({ kind: 'git', repository: repo.remote, force: true }, { stateDir: repo.state });
    const result = await forced.perform(request({ action: 'reset', target: contractTarget({ commit: good }) }));
    expect(repo.remoteFile('app.txt')).toBe('v1');
    expect(repo.remoteLog()).toHaveLength(1);
    expect(result.details?.to).toBe(good);
  });

  it('tags the current stable release, pushes the tag and returns a tag snapshot', async () => {
    const repo = makeRemote();
    const stable = repo.commit('app.txt', 'v1');
    repo.commit('app.txt', 'v2');
    const provider = new GitProvider({ kind: 'git', repository: repo.remote }, { stateDir: repo.state });
    const result = await provider.perform(request({ action: 'tag', target: contractTarget({ commit: stable }) }));
    expect(git(repo.root, '--git-dir', repo.remote, 'rev-parse', 'v1.0.0^{commit}')).toBe(stable);
    expect(git(repo.root, '--git-dir', repo.remote, 'cat-file', '-t', 'v1.0.0')).toBe('tag'); // annotated
    expect(result.snapshots).toEqual([{ kind: 'tag', reference: 'v1.0.0', checksum: stable, details: expect.objectContaining({ commit: stable }) }]);
    // Tagging again is harmless; a tag already on another commit is refused.
    await provider.perform(request({ action: 'tag', target: contractTarget({ commit: stable }) }));
    const other = git(repo.dev, 'rev-parse', 'HEAD');
    await expect(provider.perform(request({ action: 'tag', target: contractTarget({ commit: other }) }))).rejects.toThrow(/already exists/);
  });

  it('never shows the token of a clone URL in its errors', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ripcord-git-'));
    dirs.push(root);
    const provider = new GitProvider({ kind: 'git', repository: 'http://deploy:ghp_s3cretT0ken@127.0.0.1:9/repo.git' }, { stateDir: root });
    const error = await provider.perform(request({ release: contractRelease({ commit: 'abc' }) })).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain('ghp_s3cretT0ken');
    expect((error as Error).message).toMatch(/git clone failed/);
  });

  it('describe shows the plan without touching the remote', () => {
    const repo = makeRemote();
    const good = repo.commit('app.txt', 'v1');
    const bad = repo.commit('app.txt', 'v2');
    const provider = new GitProvider({ kind: 'git', repository: repo.remote }, { stateDir: repo.state });
    expect(provider.describe(request({ release: contractRelease({ commit: bad }), target: contractTarget({ commit: good }) }))).toBe(
      `git revert ${good}..${bad} on origin/main and push (history kept)`,
    );
    expect(readFileSync(join(repo.dev, 'app.txt'), 'utf8')).toBe('v2');
  });
});
