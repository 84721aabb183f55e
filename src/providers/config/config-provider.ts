import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { type Clock, systemClock } from '../../core/clock.js';
import { RipcordError } from '../../core/errors.js';
import { FileJournal, OncePerKey } from '../idempotency-journal.js';
import type { Provider, StepRequest, StepResult } from '../provider.js';
import type { ProviderDeps } from '../provider-deps.js';
import { assertKnownAction, providerError, throwIfAborted } from '../provider-support.js';
import type { ConfigProviderConfig } from './config-config.js';
import { diffEnvKeys, parseEnvKeys } from './env-file-diff.js';

const ACTIONS = ['snapshot', 'restore'] as const;

interface ManifestEntry {
  /** The file as configured (relative to base_dir). */
  path: string;
  existed: boolean;
  copy?: string | undefined;
  sha256?: string | undefined;
  mode?: number | undefined;
  keys?: number | undefined;
}

interface Manifest {
  releaseId: string;
  version: string;
  takenAt: string;
  files: ManifestEntry[];
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/**
 * Snapshot and restore of a release's environment files (`.env.production`): copies with sha256
 * checksums, verified before a restore, written back atomically. Values are never printed: results
 * name the keys that change, nothing more.
 */
export class ConfigProvider implements Provider {
  readonly kind = 'config';
  readonly actions = ACTIONS;
  /** The pre-release config snapshot safeguard. */
  readonly capabilities = { snapshot: 'snapshot' };
  private readonly once: OncePerKey;
  private readonly snapshots: string;
  private readonly baseDir: string;
  private readonly clock: Clock;

  constructor(
    private readonly config: ConfigProviderConfig,
    deps: ProviderDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.baseDir = resolve(config.base_dir ?? process.cwd());
    this.snapshots = config.snapshots ?? join(deps.stateDir, 'config', 'snapshots');
    this.once = new OncePerKey(new FileJournal(join(deps.stateDir, 'config', 'journal')));
  }

  describe(request: Omit<StepRequest, 'signal' | 'log'>): string {
    assertKnownAction(this.kind, this.actions, request.action);
    const files = this.config.files.join(', ');
    if (request.action === 'snapshot') return `copy ${files} with sha256 checksums into ${this.snapshots} (config_snapshot of ${request.release.version})`;
    const snapshot = this.findSnapshot(request);
    return `restore ${files} from the config snapshot ${snapshot ? `taken ${snapshot.takenAt}` : '(none recorded yet)'}, after checking its checksums; values are not shown`;
  }

  async perform(request: StepRequest): Promise<StepResult> {
    assertKnownAction(this.kind, this.actions, request.action);
    throwIfAborted(request.signal, this.kind, request.action);
    return this.once.run(request.idempotencyKey, async () => {
      throwIfAborted(request.signal, this.kind, request.action);
      return request.action === 'snapshot' ? this.snapshot(request) : this.restore(request);
    });
  }

  private snapshot(request: StepRequest): StepResult {
    const takenAt = this.clock.now();
    const dir = join(this.snapshots, `${request.release.id.replace(/[^\w.-]/g, '_')}-${takenAt.toISOString().replace(/[:.]/g, '-')}-${sha256(request.idempotencyKey).slice(0, 8)}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const files: ManifestEntry[] = this.config.files.map((path, index) => {
      const source = resolve(this.baseDir, path);
      if (!existsSync(source)) return { path, existed: false };
      const content = readFileSync(source);
      const copy = join(dir, `${index}-${basename(path)}`);
      copyFileSync(source, copy);
      chmodSync(copy, 0o600);
      return { path, existed: true, copy, sha256: sha256(content), mode: statSync(source).mode & 0o777, keys: parseEnvKeys(content.toString('utf8')).size };
    });
    const manifest: Manifest = { releaseId: request.release.id, version: request.release.version, takenAt: takenAt.toISOString(), files };
    const manifestText = JSON.stringify(manifest, null, 2);
    const manifestPath = join(dir, 'manifest.json');
    writeFileSync(manifestPath, manifestText, { mode: 0o600 });
    const described = files.map((f) => (f.existed ? `${f.path} (${f.keys} keys)` : `${f.path} (absent)`)).join(', ');
    return {
      summary: `snapshot of ${files.length} config file(s): ${described}`,
      details: { manifest: manifestPath, files: files.map(({ path, existed, sha256: sum }) => ({ path, existed, sha256: sum })) },
      snapshots: [
        {
          kind: 'config_snapshot',
          reference: manifestPath,
          checksum: `sha256:${sha256(manifestText)}`,
          takenAt: takenAt.toISOString(),
          details: { files: files.map(({ path, existed, sha256: sum }) => ({ path, existed, sha256: sum })) },
        },
      ],
    };
  }

  private findSnapshot(request: Pick<StepRequest, 'params' | 'release'>): { manifest: string; checksum?: string | undefined; takenAt?: string | undefined } | undefined {
    if (typeof request.params.snapshot === 'string') return { manifest: request.params.snapshot };
    const found = request.release.snapshots.filter((s) => s.kind === 'config_snapshot').sort((a, b) => b.takenAt.localeCompare(a.takenAt))[0];
    return found ? { manifest: found.reference, checksum: found.checksum, takenAt: found.takenAt } : undefined;
  }

  private restore(request: StepRequest): StepResult {
    const found = this.findSnapshot(request);
    if (!found) {
      throw new RipcordError('invalid_input', `release ${request.release.version} has no config snapshot to restore (the config snapshot safeguard did not run before it)`, [
        { path: 'release.snapshots', message: 'no config_snapshot' },
      ]);
    }
    if (!existsSync(found.manifest)) throw providerError(`config snapshot ${found.manifest} is missing; nothing was changed`);
    const manifestText = readFileSync(found.manifest, 'utf8');
    if (found.checksum && `sha256:${sha256(manifestText)}` !== found.checksum) {
      throw providerError(`config snapshot ${found.manifest} does not match its recorded checksum; nothing was changed`);
    }
    const manifest = JSON.parse(manifestText) as Manifest;
    // Check every copy before writing any file: all or nothing.
    const contents = manifest.files.map((entry) => {
      if (!entry.existed) return undefined;
      const data = existsSync(entry.copy as string) ? readFileSync(entry.copy as string) : undefined;
      if (!data || sha256(data) !== entry.sha256) throw providerError(`the snapshot copy of ${entry.path} is missing or does not match its checksum; nothing was changed`);
      return data;
    });
    throwIfAborted(request.signal, this.kind, request.action);
    const report = manifest.files.map((entry, index) => {
      const target = resolve(this.baseDir, entry.path);
      const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
      const data = contents[index];
      if (!data) {
        if (existsSync(target)) rmSync(target);
        return { path: entry.path, ...diffEnvKeys(current, '') };
      }
      const tmp = `${target}.ripcord-${process.pid}.tmp`;
      writeFileSync(tmp, data, { mode: entry.mode ?? 0o600 });
      renameSync(tmp, target);
      return { path: entry.path, ...diffEnvKeys(current, data.toString('utf8')) };
    });
    const parts = report.map((r) => {
      const keys = [...r.changed, ...r.added, ...r.removed].sort();
      return keys.length === 0 ? `${r.path} unchanged` : `${r.path}: ${keys.length} key(s) changed: ${keys.join(', ')}`;
    });
    request.log(`config: restored ${report.length} file(s)`);
    return {
      summary: `restored config from ${manifest.version} snapshot (${manifest.takenAt}): ${parts.join('; ')}`,
      details: { snapshot: found.manifest, files: report },
    };
  }
}

export function createConfigProvider(config: ConfigProviderConfig, deps: ProviderDeps): ConfigProvider {
  return new ConfigProvider(config, deps);
}
