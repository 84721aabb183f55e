import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { KyselyRollbackRepository } from './kysely-rollback-repository.js';
import { openStore, type Store } from './open-store.js';

/** Two servers (two stores, two connection pools) on one PostgreSQL database contend for one environment's lease. */
describe('rollback lease on PostgreSQL', () => {
  let database: TestDatabase;
  let a: Store;
  let b: Store;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    a = await openStore(database.options);
    b = await openStore(database.options);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

  it('lets exactly one of many concurrent contenders win, and hands over only after expiry or release', async () => {
    const repoA = new KyselyRollbackRepository(a.db);
    const repoB = new KyselyRollbackRepository(b.db);
    const attempts = Array.from({ length: 20 }, (_, i) => (i % 2 ? repoA : repoB).acquireLease('rollback:shop/prod', `server-${i}`, at(0), at(60_000)));
    const results = await Promise.all(attempts);
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = `server-${results.indexOf(true)}`;
    const loser = winner === 'server-0' ? 'server-1' : 'server-0';

    expect(await repoA.acquireLease('rollback:shop/prod', loser, at(30_000), at(90_000))).toBe(false);
    expect(await repoB.acquireLease('rollback:shop/prod', winner, at(30_000), at(90_000))).toBe(true); // renewal
    expect(await repoA.acquireLease('rollback:shop/prod', loser, at(80_000), at(140_000))).toBe(false);
    expect(await repoA.acquireLease('rollback:shop/prod', loser, at(91_000), at(150_000))).toBe(true); // expired: taken over
    await repoB.releaseLease('rollback:shop/prod', winner); // not the holder any more: no effect
    expect(await repoB.acquireLease('rollback:shop/prod', winner, at(92_000), at(150_000))).toBe(false);
    await repoA.releaseLease('rollback:shop/prod', loser);
    expect(await repoB.acquireLease('rollback:shop/prod', winner, at(93_000), at(150_000))).toBe(true);
  });
});
