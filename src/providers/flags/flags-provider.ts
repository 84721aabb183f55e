import { RipcordError } from '../../core/errors.js';
import type { FlagService } from '../../flags/flag-service.js';
import type { FlagRestoreChange, KillSwitchPrecedence, ReleaseFlags } from '../../flags/release-flags.js';
import { MemoryJournal, OncePerKey } from '../idempotency-journal.js';
import type { Provider, StepRequest, StepResult } from '../provider.js';
import { assertKnownAction, throwIfAborted, withRedactedErrors } from '../provider-support.js';

/**
 * Rollback steps on flags: `flags_off: [keys…]` (action `off`, params `{ keys }`) and
 * `flags_set: { key: bool }` (action `set`, params `{ values }`). A step performed again under its key
 * answers as before and changes nothing, even if someone turned the flag back on meanwhile; after a
 * restart (the journal is in memory) it sets the flags again, which for a flag already in the wanted
 * state changes nothing.
 *
 * `flags: restore` (action `restore`, params `{ killSwitch }`) puts every flag back to the version
 * recorded with the target release, in one transaction; `--dry-run` lists each flag from → to.
 */
export function createFlagsProvider(deps: { flags: FlagService; releaseFlags?: ReleaseFlags | undefined }): Provider {
  const actions = ['off', 'set', 'restore'] as const;
  const restoreTarget = (request: Pick<StepRequest, 'target' | 'params'>): { releaseId: string; killSwitch: KillSwitchPrecedence } => {
    if (!deps.releaseFlags) throw new RipcordError('unavailable', 'flags: restore needs the server’s release flag snapshots');
    if (!request.target) throw new RipcordError('invalid_input', 'flags: restore needs a target release (the one being restored)');
    return { releaseId: request.target.id, killSwitch: request.params.killSwitch === 'restore' ? 'restore' : 'keep' };
  };
  const words = (changes: FlagRestoreChange[]) =>
    changes.length === 0 ? 'no flag differs from the release' : changes.map((c) => `${c.key} v${c.from.version} ${c.from.state === 'ENABLED' ? 'on' : 'off'} → ${c.to.version ? `v${c.to.version} ` : ''}${c.to.state === 'ENABLED' ? 'on' : 'off'} (${c.why})`).join('; ');
  const once = new OncePerKey(new MemoryJournal());
  const wanted = (request: Pick<StepRequest, 'action' | 'params'>): Record<string, { enabled: boolean }> => {
    assertKnownAction('flags', actions, request.action);
    if (request.action === 'restore') return {};
    if (request.action === 'off') {
      const keys = request.params.keys;
      if (!Array.isArray(keys) || keys.length === 0) throw new RipcordError('invalid_input', 'flags off needs params.keys: the flags to turn off');
      return Object.fromEntries(keys.map((key) => [String(key), { enabled: false }]));
    }
    if (request.action === 'set') {
      // The plan builder passes `flags_set:` as `values`.
      const flags = request.params.values ?? request.params.flags;
      if (!flags || typeof flags !== 'object') throw new RipcordError('invalid_input', 'flags set needs params.values: { key: true|false }');
      return Object.fromEntries(Object.entries(flags).map(([key, value]) => [key, { enabled: value === true || (typeof value === 'object' && value !== null && (value as { enabled?: unknown }).enabled === true) }]));
    }
    throw new RipcordError('invalid_input', `the flags provider has no action "${request.action}"`);
  };
  return {
    kind: 'flags',
    actions,
    describe(request) {
      const changes = wanted(request);
      if (request.action === 'restore') {
        const { releaseId, killSwitch } = restoreTarget(request);
        return `restore flags in ${request.release.service}/${request.release.environment} to those recorded with release ${request.target?.version ?? releaseId} (kill_switch: ${killSwitch})`;
      }
      return `set flags in ${request.release.service}/${request.release.environment}: ${Object.entries(changes)
        .map(([key, c]) => `${key} ${c.enabled ? 'on' : 'off'}`)
        .join(', ')}`;
    },
    async preview(request) {
      if (request.action !== 'restore') return this.describe(request);
      const { releaseId, killSwitch } = restoreTarget(request);
      const plan = await (deps.releaseFlags as ReleaseFlags).planRestore(releaseId, killSwitch);
      return `restore flags to release ${request.target?.version ?? releaseId}: ${words(plan.changes)}`;
    },
    async perform(request): Promise<StepResult> {
      const changes = wanted(request);
      throwIfAborted(request.signal, 'flags', request.action);
      if (request.action === 'restore') {
        const { releaseId, killSwitch } = restoreTarget(request);
        return once.run(request.idempotencyKey, async () => {
          const restored = await (deps.releaseFlags as ReleaseFlags).restore(releaseId, 'ripcord', `rollback step ${request.idempotencyKey}: flags back to release ${request.target?.version ?? releaseId}`, killSwitch);
          return {
            summary: `flags restored to release ${request.target?.version ?? releaseId}: ${words(restored.changes)}`,
            details: { changes: restored.changes, versions: Object.fromEntries(restored.records.map((r) => [r.key, r.version])) },
          };
        });
      }
      return withRedactedErrors(() => once.run(request.idempotencyKey, () => act(request, changes)));
    },
  };

  async function act(request: StepRequest, changes: Record<string, { enabled: boolean }>): Promise<StepResult> {
    const records = await deps.flags.setEnabled(request.release.service, request.release.environment, changes, 'ripcord', `rollback step ${request.idempotencyKey}`);
    return {
      summary: `flags ${records.map((r) => `${r.key} ${r.definition.state === 'ENABLED' ? 'on' : 'off'} (v${r.version})`).join(', ')}`,
      details: { versions: Object.fromEntries(records.map((r) => [r.key, r.version])) },
    };
  }
}
