import { type Clock, systemClock } from '../core/clock.js';
import { RipcordError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Ledger } from '../deployments/ledger.js';
import type { FlagDefinition, FlagRecord, ReleaseFlagSnapshot } from './flag-definition.js';
import type { FlagRepository } from './flag-repository.js';
import type { FlagService } from './flag-service.js';

/** Which wins when a flag was turned off by a kill switch since: `keep` it off (the default) or `restore` it too. */
export type KillSwitchPrecedence = 'keep' | 'restore';

/** One flag `flags: restore` changes: from its current version to the one recorded with the release. */
export interface FlagRestoreChange {
  key: string;
  from: { version: number; state: string };
  /** The version whose definition comes back; absent for a flag created after the release (turned off). */
  to: { version?: number | undefined; state: string };
  why: string;
}

/** One flag's difference between two releases' snapshots. */
export interface FlagDiffEntry {
  key: string;
  a?: { version: number; state: string } | undefined;
  b?: { version: number; state: string } | undefined;
  /** Top-level fields of the definition that differ: state, variants, defaultVariant, targeting, metadata… */
  fields: string[];
}

/**
 * Flag state as part of every release: a snapshot of the environment's flag versions is taken when a
 * release is recorded, `flags: restore` puts them back, and two releases' flags can be compared.
 */
export class ReleaseFlags {
  constructor(
    private readonly flags: FlagService,
    private readonly repository: FlagRepository,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Snapshot on every `release.recorded` (EventBus waits for subscribers, so it is stored when `record` returns). */
  subscribe(events: EventBus): () => void {
    return events.subscribe(async (event) => {
      if (event.type === 'release.recorded' && event.releaseId) await this.take(event.releaseId, event.service, event.environment);
    });
  }

  async take(releaseId: string, service: string, environment: string): Promise<ReleaseFlagSnapshot> {
    const [records, set] = await Promise.all([this.flags.list(service, environment), this.flags.flagSet(service, environment)]);
    const snapshot: ReleaseFlagSnapshot = { releaseId, service, environment, flags: Object.fromEntries(records.map((r) => [r.key, r.version])), setVersion: set.version, takenAt: this.clock.now().toISOString() };
    await this.repository.saveReleaseSnapshot(snapshot);
    return snapshot;
  }

  async snapshot(releaseId: string): Promise<ReleaseFlagSnapshot> {
    const snapshot = await this.repository.releaseSnapshot(releaseId);
    if (!snapshot) throw new RipcordError('not_found', `release ${releaseId} has no flag snapshot (it was recorded before ripcord took flag snapshots); nothing was changed`);
    return snapshot;
  }

  /** What `flags: restore` to `releaseId` would change now, flag by flag, with why. */
  async planRestore(releaseId: string, killSwitch: KillSwitchPrecedence = 'keep'): Promise<{ snapshot: ReleaseFlagSnapshot; changes: FlagRestoreChange[]; definitions: Record<string, FlagDefinition> }> {
    const snapshot = await this.snapshot(releaseId);
    const current = await this.flags.list(snapshot.service, snapshot.environment);
    const changes: FlagRestoreChange[] = [];
    const definitions: Record<string, FlagDefinition> = {};
    for (const record of current) {
      const version = snapshot.flags[record.key];
      let definition: FlagDefinition;
      let why: string;
      if (version === undefined) {
        if (record.definition.state === 'DISABLED') continue;
        definition = { ...record.definition, state: 'DISABLED' };
        why = 'created after the release: turned off';
      } else {
        if (version === record.version) continue;
        const then = await this.repository.changeAt(snapshot.service, snapshot.environment, record.key, version);
        if (!then) throw new RipcordError('not_found', `flag ${record.key} v${version} is missing from the history; nothing was changed`);
        definition = then.definition;
        why = `back to v${version}, as recorded with the release`;
        if (killSwitch === 'keep' && definition.state === 'ENABLED' && (await this.killSwitched(record))) {
          definition = { ...definition, state: 'DISABLED' };
          why = `back to v${version}, but kept off: a kill switch turned it off since (the plan says kill_switch: keep)`;
        }
      }
      if (JSON.stringify(definition) === JSON.stringify(record.definition)) continue;
      definitions[record.key] = definition;
      changes.push({ key: record.key, from: { version: record.version, state: record.definition.state }, to: { version, state: definition.state }, why });
    }
    return { snapshot, changes, definitions };
  }

  /** Puts the flags back to the release's snapshot in one transaction (one change per flag, all or none). */
  async restore(releaseId: string, actor: string, reason: string, killSwitch: KillSwitchPrecedence = 'keep'): Promise<{ changes: FlagRestoreChange[]; records: FlagRecord[] }> {
    const { snapshot, changes, definitions } = await this.planRestore(releaseId, killSwitch);
    if (changes.length === 0) return { changes, records: [] };
    const records = await this.flags.replaceAll(snapshot.service, snapshot.environment, definitions, actor, reason);
    return { changes, records };
  }

  /** What changed in flags between release `a` and release `b` (same environment or not). */
  async diff(a: string, b: string): Promise<FlagDiffEntry[]> {
    const [left, right] = await Promise.all([this.snapshot(a), this.snapshot(b)]);
    const keys = [...new Set([...Object.keys(left.flags), ...Object.keys(right.flags)])].sort();
    const out: FlagDiffEntry[] = [];
    for (const key of keys) {
      const [x, y] = await Promise.all([this.at(left, key), this.at(right, key)]);
      if (x && y && x.version === y.version && left.environment === right.environment) continue;
      const fields = [...new Set([...Object.keys(x?.definition ?? {}), ...Object.keys(y?.definition ?? {})])].filter(
        (field) => JSON.stringify((x?.definition as Record<string, unknown> | undefined)?.[field]) !== JSON.stringify((y?.definition as Record<string, unknown> | undefined)?.[field]),
      );
      if (x && y && fields.length === 0) continue;
      out.push({ key, a: x && { version: x.version, state: x.definition.state }, b: y && { version: y.version, state: y.definition.state }, fields });
    }
    return out;
  }

  private async at(snapshot: ReleaseFlagSnapshot, key: string): Promise<{ version: number; definition: FlagDefinition } | undefined> {
    const version = snapshot.flags[key];
    if (version === undefined) return undefined;
    const change = await this.repository.changeAt(snapshot.service, snapshot.environment, key, version);
    return change && { version, definition: change.definition };
  }

  /** Off now, and the change that turned it off touched nothing but the state: a kill switch. */
  private async killSwitched(record: FlagRecord): Promise<boolean> {
    if (record.definition.state !== 'DISABLED' || record.version < 2) return false;
    const before = await this.repository.changeAt(record.service, record.environment, record.key, record.version - 1);
    return before !== undefined && before.definition.state === 'ENABLED' && JSON.stringify({ ...before.definition, state: 'DISABLED' }) === JSON.stringify(record.definition);
  }
}

/** A release by id (`rel_…`), or by version in the environment (the newest record of that version). */
export async function releaseIdOf(ledger: Pick<Ledger, 'get' | 'list'>, service: string, environment: string, ref: string, field: string): Promise<string> {
  if (ref.startsWith('rel_')) return (await ledger.get(ref)).id;
  const found = (await ledger.list({ service, environment, limit: 500 })).releases.find((r) => r.version === ref);
  if (!found) throw new RipcordError('not_found', `no release ${ref} of ${service} in ${environment}`, [{ path: field, message: 'unknown release' }]);
  return found.id;
}
