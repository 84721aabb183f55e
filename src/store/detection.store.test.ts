import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../config/defaults.js';
import { ManualClock } from '../core/clock.js';
import { EventBus, type RipcordEvent } from '../core/events.js';
import { DecisionService } from '../decisions/decision-service.js';
import type { Verdict } from '../detection/verdict.js';
import { OutcomeAggregator } from '../signals/outcome-aggregator.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import { KyselyBugReportRepository } from './kysely-bug-report-repository.js';
import { KyselyDecisionRepository } from './kysely-decision-repository.js';
import { KyselyRollupRepository } from './kysely-rollup-repository.js';
import { openStore, type Store } from './open-store.js';

const unhealthy: Verdict = {
  state: 'unhealthy',
  explanation: 'P1 canary judge: canary error rate 7.9% (41/519) vs baseline 1.1% (52/4731); Bayes factor 1,240 ≥ 1,000',
  firing: [{ trigger: 'canary judge', kind: 'canary', severity: 'P1', state: 'firing', explanation: 'canary error rate 7.9%', values: { bf: 1240 }, facts: [] }],
  triggers: [],
};

describe.each(DIALECTS)('detection store on %s', (dialect) => {
  let database: TestDatabase;
  let store: Store;
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    store = await openStore(database.options);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('records decisions with their inputs; approve once, veto a policy rollback, refuse a second settle', async () => {
    const events: RipcordEvent[] = [];
    const bus = new EventBus();
    bus.subscribe((e) => {
      events.push(e);
    });
    const service = new DecisionService(new KyselyDecisionRepository(store.db), bus, clock);
    const ctx = { service: 'web', environment: 'production', releaseId: 'rel_1' };
    const auto = await service.decideOn(ctx, unhealthy, { serviceDown: false, dataLoss: false, errorRate: 0.079, majorFeatureBroken: false }, DEFAULT_POLICY);
    expect(auto).toMatchObject({ severity: 'P1', action: 'rollback', status: 'approved', decidedBy: 'policy', deadline: '2026-03-01T10:15:00.000Z' });
    const stored = await service.get(auto?.id as string);
    expect(stored.inputs).toMatchObject({ verdict: 'unhealthy', impact: { errorRate: 0.079 } });
    expect(stored.explanation).toContain('Bayes factor 1,240');

    const approval = { ...DEFAULT_POLICY, P1: { action: 'rollback' as const, within: 900_000, approval: 'team-lead' } };
    const pending = await service.decideOn(ctx, unhealthy, { serviceDown: false, dataLoss: false, majorFeatureBroken: false }, approval);
    expect(pending).toMatchObject({ action: 'rollback_after_approval', status: 'pending', approval: 'team-lead' });
    const approved = await service.approve(pending?.id as string, 'alice', 'confirmed in Sentry');
    expect(approved).toMatchObject({ status: 'approved', decidedBy: 'alice', reason: 'confirmed in Sentry' });
    await expect(service.veto(pending?.id as string, 'bob')).rejects.toThrow(/already approved \(by alice\)/);
    const vetoed = await service.veto(auto?.id as string, 'bob', 'known flaky upstream');
    expect(vetoed.status).toBe('vetoed');
    await expect(service.get('dec_missing')).rejects.toThrow(/not found/);
    expect(events.map((e) => e.type)).toEqual(['decision.made', 'decision.made', 'decision.approved', 'decision.vetoed']);
    expect((await service.list({ environment: 'production' })).length).toBe(2);
  });

  it('persists outcome rollups and restores them into a fresh aggregator', async () => {
    const aggregator = new OutcomeAggregator(1000);
    const t0 = Date.parse('2026-03-01T10:00:00.000Z');
    for (let i = 0; i < 100; i++) aggregator.record({ service: 'web', environment: 'production', release: 'canary', ok: i % 10 !== 0, latencyMs: 50 + i, at: t0 + i * 20 });
    const repo = new KyselyRollupRepository(store.db);
    await repo.upsert(aggregator.drainRollups(t0 + 2000));
    aggregator.record({ service: 'web', environment: 'production', release: 'canary', ok: false, latencyMs: 5, at: t0 + 10 });
    await repo.upsert(aggregator.drainRollups(t0 + 2000));
    const restored = new OutcomeAggregator(1000);
    restored.restore(await repo.since(t0));
    const stats = restored.window('web', 'production', ['canary'], t0, t0 + 2000);
    expect(stats).toMatchObject({ total: 101, errors: 11 });
    expect(stats.p95).toBeGreaterThan(140);
  });

  it('stores bug reports per environment', async () => {
    const repo = new KyselyBugReportRepository(store.db);
    await repo.insert({ id: 'bug_1', service: 'web', environment: 'production', title: 'cannot send', reportedAt: '2026-03-01T10:00:00.000Z' });
    await repo.insert({ id: 'bug_2', service: 'web', environment: 'staging', title: 'x', reportedAt: '2026-03-01T10:01:00.000Z' });
    expect((await repo.since('web', 'production', '2026-03-01T09:00:00.000Z')).map((r) => r.id)).toEqual(['bug_1']);
  });
});
