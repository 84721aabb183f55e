import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLostError } from '../rollbacks/rollback-repository.js';
import type { RollbackPlan } from '../rollbacks/rollback-plan.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import { KyselyRollbackRepository } from './kysely-rollback-repository.js';
import { openStore, type Store } from './open-store.js';

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

function plan(id: string): RollbackPlan {
  return {
    id,
    service: 'shop',
    environment: 'prod',
    reason: 'test',
    actor: 'alice',
    status: 'pending',
    createdAt: at(0),
    steps: [{ index: 0, phase: 'rollback', name: 'one', definition: { provider: 'command', action: 'run', params: {}, timeoutMs: 1000, retries: 0 }, status: 'pending', attempts: 0, usedFallback: false }],
  };
}

/** Two servers (two stores, two connection pools) on one database contend for one environment's lease. */
describe.each(DIALECTS)('rollback lease and fencing on %s', (dialect) => {
  let database: TestDatabase;
  let a: Store;
  let b: Store;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    a = await openStore(database.options);
    b = await openStore(database.options);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('lets exactly one of many concurrent contenders win, and hands over only after expiry or release, with a new generation each time', async () => {
    const repoA = new KyselyRollbackRepository(a.db);
    const repoB = new KyselyRollbackRepository(b.db);
    const name = 'rollback:shop/prod';
    const attempts = Array.from({ length: 20 }, (_, i) => (i % 2 ? repoA : repoB).acquireLease(name, `server-${i}`, at(0), at(60_000)));
    const results = await Promise.all(attempts);
    expect(results.filter(Boolean)).toHaveLength(1);
    const first = results.find(Boolean);
    if (!first) throw new Error('no winner');
    expect(first.generation).toBe(1);
    const loser = first.holder === 'server-0' ? 'server-1' : 'server-0';

    expect(await repoA.acquireLease(name, loser, at(30_000), at(90_000))).toBeUndefined();
    expect(await repoB.renewLease(first, at(90_000))).toBe(true);
    expect(await repoA.acquireLease(name, loser, at(80_000), at(140_000))).toBeUndefined();
    const second = await repoA.acquireLease(name, loser, at(91_000), at(150_000)); // expired: taken over
    expect(second?.generation).toBe(2);
    expect(await repoB.renewLease(first, at(200_000))).toBe(false); // the paused holder learns it lost
    await repoB.releaseLease(first); // not the holder any more: no effect
    expect(await repoB.acquireLease(name, first.holder, at(92_000), at(150_000))).toBeUndefined();
    if (!second) throw new Error('no takeover');
    await repoA.releaseLease(second);
    const third = await repoB.acquireLease(name, first.holder, at(93_000), at(150_000));
    expect(third?.generation).toBe(3); // released rows keep their generation: it never goes back
    // The same holder (a restarted server with a stable id) takes its lease at once, under a new generation.
    const restarted = await repoB.acquireLease(name, first.holder, at(94_000), at(150_000));
    expect(restarted?.generation).toBe(4);
    expect(await repoB.renewLease(third as NonNullable<typeof third>, at(200_000))).toBe(false);
  });

  it('writes a step only under the current generation, and leaves the row untouched otherwise', async () => {
    const repoA = new KyselyRollbackRepository(a.db);
    const repoB = new KyselyRollbackRepository(b.db);
    const name = `rollback:shop/fence-${dialect}`;
    await repoA.insertPlan(plan(`rbk_fence_${dialect}`));
    const old = await repoA.acquireLease(name, 'server-a', at(0), at(1_000));
    if (!old) throw new Error('no lease');
    await repoA.updateStep(`rbk_fence_${dialect}`, 0, { status: 'running' }, old);
    const taken = await repoB.acquireLease(name, 'server-b', at(2_000), at(60_000));
    if (!taken) throw new Error('no takeover');
    await expect(repoA.updateStep(`rbk_fence_${dialect}`, 0, { status: 'succeeded', summary: 'stale' }, old)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(repoA.updatePlan(`rbk_fence_${dialect}`, { status: 'succeeded' }, old)).rejects.toBeInstanceOf(LeaseLostError);
    const unchanged = await repoB.getPlan(`rbk_fence_${dialect}`);
    expect(unchanged?.status).toBe('pending');
    expect(unchanged?.steps[0]?.status).toBe('running');
    expect(unchanged?.steps[0]?.summary).toBeUndefined();
    await repoB.updateStep(`rbk_fence_${dialect}`, 0, { status: 'succeeded', summary: 'current' }, taken);
    expect((await repoA.getPlan(`rbk_fence_${dialect}`))?.steps[0]?.summary).toBe('current');
  });
});
