import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KyselyFlagRepository } from '../store/kysely-flag-repository.js';
import { openStore, type Store } from '../store/open-store.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { until } from '../test-support/until.js';
import type { FlagRecord } from './flag-definition.js';
import type { FlagRepository } from './flag-repository.js';
import { FlagService } from './flag-service.js';

const on = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' } as const;

/** The real repository, with `list` (the environment read evaluations are served from) held on demand and counted. */
class GatedRepository {
  lists = 0;
  private held: (() => void)[] | undefined;

  constructor(private readonly inner: FlagRepository) {}

  hold(): void {
    this.held = [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const go of waiting) go();
  }

  repository(): FlagRepository {
    return new Proxy(this.inner, {
      get: (target, name) => {
        if (name !== 'list') return Reflect.get(target, name);
        return async (service: string, environment: string): Promise<FlagRecord[]> => {
          this.lists += 1;
          const records = await target.list(service, environment);
          const held = this.held;
          if (held) await new Promise<void>((go) => held.push(go));
          return records;
        };
      },
    });
  }
}

describe('flag evaluation from memory', () => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    store = await openStore(database.options);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('reads the store once per environment, not per evaluation, and sees a change at once without reading it', async () => {
    const gate = new GatedRepository(new KyselyFlagRepository(store.db));
    const flags = new FlagService(gate.repository());
    await flags.put('memory', 'production', 'checkout', on, 'test');
    for (let i = 0; i < 100; i++) expect(await flags.evaluate('memory', 'production', 'checkout', { targetingKey: `u${i}` })).toMatchObject({ value: true });
    expect(gate.lists).toBe(1);
    // Every store read from now on hangs: the kill switch must still show on the next evaluation.
    gate.hold();
    await flags.setEnabled('memory', 'production', { checkout: { enabled: false } }, 'oncall');
    expect(await flags.evaluate('memory', 'production', 'checkout')).toMatchObject({ reason: 'DISABLED', metadata: { 'ripcord.version': 2 } });
    expect((await flags.evaluateAll('memory', 'production')).flags).toEqual([{ key: 'checkout', reason: 'DISABLED', metadata: { 'ripcord.version': 2 } }]);
    gate.release();
  });

  it('never installs a store read that started before a change (the kill switch would be undone until the next change)', async () => {
    const gate = new GatedRepository(new KyselyFlagRepository(store.db));
    const flags = new FlagService(gate.repository());
    await flags.put('race', 'production', 'checkout', on, 'test');
    gate.hold();
    // The first evaluation reads the store and is held with the ENABLED definition in hand…
    const early = flags.evaluate('race', 'production', 'checkout');
    await until(() => gate.lists === 1, 'the first read to start');
    // …while the kill switch commits.
    await flags.setEnabled('race', 'production', { checkout: { enabled: false } }, 'oncall');
    gate.release();
    expect(await early).toMatchObject({ value: true });
    expect(await flags.evaluate('race', 'production', 'checkout')).toMatchObject({ reason: 'DISABLED' });
  });

  it('applies changes received from another server, in any order, and catches up with writes made straight to the store', async () => {
    const repository = new KyselyFlagRepository(store.db);
    const here = new FlagService(repository);
    const there = new FlagService(repository);
    await there.put('pair', 'production', 'checkout', on, 'test');
    await there.put('pair', 'production', 'search', on, 'test');
    expect(await here.evaluate('pair', 'production', 'checkout')).toMatchObject({ value: true });
    await there.setEnabled('pair', 'production', { checkout: { enabled: false } }, 'oncall');
    const off = (await repository.latestChangeId('pair', 'production')) as string;
    await there.setEnabled('pair', 'production', { checkout: { enabled: true } }, 'oncall');
    const onAgain = (await repository.latestChangeId('pair', 'production')) as string;
    await here.receive(onAgain);
    await here.receive(off); // late: version 2 arrives after version 3
    expect(await here.evaluate('pair', 'production', 'checkout')).toMatchObject({ value: true, metadata: { 'ripcord.version': 3 } });
    // `there` has no notifier (like the CLI on the local store): `here` learns of it after its next change.
    await there.setEnabled('pair', 'production', { search: { enabled: false } }, 'cli');
    expect(await here.evaluate('pair', 'production', 'search')).toMatchObject({ value: true });
    await here.setEnabled('pair', 'production', { checkout: { enabled: false } }, 'oncall');
    let search: unknown;
    await until(() => {
      void here.evaluate('pair', 'production', 'search').then((evaluation) => {
        search = evaluation;
      });
      return (search as { reason?: string } | undefined)?.reason === 'DISABLED';
    }, 'the write made straight to the store to show');
    expect(await here.evaluate('pair', 'production', 'checkout')).toMatchObject({ reason: 'DISABLED', metadata: { 'ripcord.version': 4 } });
  });
});
