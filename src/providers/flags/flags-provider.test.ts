import { afterAll, describe } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { EventBus } from '../../core/events.js';
import { FlagService } from '../../flags/flag-service.js';
import { KyselyFlagRepository } from '../../store/kysely-flag-repository.js';
import { openStore, type Store } from '../../store/open-store.js';
import { createTestDatabase, type TestDatabase } from '../../test-support/databases.js';
import { contractRelease, runProviderContract } from '../provider-contract.js';
import { createFlagsProvider } from './flags-provider.js';

/**
 * The kill-switch step through the shared provider contract, on a real store. Effects are the flag's
 * versions in the store's history: each real change of the flag adds one, setting it to the state it
 * already has adds none. Each request asks for the opposite of the flag's state, so every performed step is a real change.
 */
describe('flags provider and the shared contract', () => {
  let database: TestDatabase;
  let store: Store;
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  runProviderContract('flags', async () => {
    database = await createTestDatabase('sqlite');
    store = await openStore(database.options);
    const flags = new FlagService(new KyselyFlagRepository(store.db), new ManualClock(), new EventBus());
    const release = contractRelease({ service: 'pulse-messages', environment: 'production' });
    await flags.put('pulse-messages', 'production', 'splitViewLayout', { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' } as never, 'test');
    return {
      provider: createFlagsProvider({ flags }),
      // The opposite of the flag's current state, so performing it is always a real change.
      request: async () => {
        const current = (await flags.list('pulse-messages', 'production')).find((f) => f.key === 'splitViewLayout');
        return current?.definition.state === 'ENABLED' ? { action: 'off', params: { keys: ['splitViewLayout'] }, release } : { action: 'set', params: { values: { splitViewLayout: true } }, release };
      },
      effects: async () => (await flags.history('pulse-messages', 'production', 'splitViewLayout', 1000)).length - 1,
      // A flag that does not exist, whose key happens to be a token pasted by mistake: the error must not echo it.
      failure: () => ({ secret: 'flag-tok-7f3a9c', request: { action: 'off', params: { keys: ['flag-tok-7f3a9c'] }, release } }),
    };
  });
});
