import { RipcordError } from '../../core/errors.js';
import type { FlagService } from '../../flags/flag-service.js';
import { MemoryJournal, OncePerKey } from '../idempotency-journal.js';
import type { Provider, StepRequest, StepResult } from '../provider.js';
import { assertKnownAction, throwIfAborted, withRedactedErrors } from '../provider-support.js';

/**
 * Rollback steps on flags: `flags_off: [keys…]` (action `off`, params `{ keys }`) and
 * `flags_set: { key: bool }` (action `set`, params `{ values }`). A step performed again under its key
 * answers as before and changes nothing, even if someone turned the flag back on meanwhile; after a
 * restart (the journal is in memory) it sets the flags again, which for a flag already in the wanted
 * state changes nothing.
 */
export function createFlagsProvider(deps: { flags: FlagService }): Provider {
  const actions = ['off', 'set'] as const;
  const once = new OncePerKey(new MemoryJournal());
  const wanted = (request: Pick<StepRequest, 'action' | 'params'>): Record<string, { enabled: boolean }> => {
    assertKnownAction('flags', actions, request.action);
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
      return `set flags in ${request.release.service}/${request.release.environment}: ${Object.entries(changes)
        .map(([key, c]) => `${key} ${c.enabled ? 'on' : 'off'}`)
        .join(', ')}`;
    },
    async perform(request): Promise<StepResult> {
      const changes = wanted(request);
      throwIfAborted(request.signal, 'flags', request.action);
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
