import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { EventBus } from '../core/events.js';
import { IncidentService } from '../incidents/incident-service.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import { listAudit } from './audit-store.js';
import { KyselyIncidentRepository } from './kysely-incident-repository.js';
import { openStore, type Store } from './open-store.js';

/** One suite, both dialects: incidents and escalation timers behave the same on SQLite and PostgreSQL. */
describe.each(DIALECTS)('incident store on %s', (dialect) => {
  let database: TestDatabase;
  let store: Store;
  const clock = new ManualClock('2026-03-01T14:30:00.000Z');
  const base = { service: 'web', environment: 'production', releaseId: 'rel_1' };

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    store = await openStore(database.options);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('keeps incidents, their append-only timeline and document fields across a reopen', async () => {
    const bus = new EventBus();
    const service = new IncidentService(new KyselyIncidentRepository(store.db), clock);
    service.attach(bus);
    await bus.publish({ ...base, at: '2026-03-01T14:30:00.000Z', type: 'trigger.fired', trigger: 'errors', severity: 'P1', explanation: 'error rate 12% > 5%' });
    await bus.publish({ ...base, at: '2026-03-01T14:31:00.000Z', type: 'rollback.started', planId: 'plan_1', reason: 'errors', actor: 'ripcord' });
    await bus.publish({ ...base, at: '2026-03-01T14:33:00.000Z', type: 'rollback.finished', planId: 'plan_1', outcome: 'failed', durationMs: 120_000, state: 'still on v2' });
    const [incident] = await service.list();
    await service.addAction(incident?.id as string, 'write a runbook', 'alice');
    await service.note(incident?.id as string, 'customers report checkout errors', 'alice');

    const reopened = await openStore(database.options);
    try {
      const again = await new KyselyIncidentRepository(reopened.db).get(incident?.id as string);
      expect(again).toMatchObject({ status: 'mitigating', severity: 'P1', releaseId: 'rel_1', actionItems: [{ id: 1, text: 'write a runbook', owner: 'alice', done: false }] });
      expect(again?.rollbacks).toEqual([{ planId: 'plan_1', startedAt: '2026-03-01T14:31:00.000Z', reason: 'errors', outcome: 'failed', durationMs: 120_000 }]);
      expect(again?.timeline.map((t) => t.kind)).toEqual(['opened', 'trigger', 'rollback', 'status', 'rollback', 'note']);
      expect(again?.timeline.at(-1)).toMatchObject({ actor: 'alice', text: 'customers report checkout errors' });
      expect(await new KyselyIncidentRepository(reopened.db).list({ service: 'web', openOnly: true })).toHaveLength(1);
      expect(await new KyselyIncidentRepository(reopened.db).list({ service: 'api' })).toHaveLength(0);
      const [rowsOnly] = await new KyselyIncidentRepository(reopened.db).list({ service: 'web', openOnly: true, timeline: false });
      expect(rowsOnly?.timeline).toEqual([]);
      expect(rowsOnly?.rollbacks).toEqual(again?.rollbacks);
    } finally {
      await reopened.close();
    }
  });

  it('stores one escalation timer per incident and returns the due ones', async () => {
    const repo = new KyselyIncidentRepository(store.db);
    await repo.setTimer('inc_a', { incidentId: 'inc_a', kind: 'page', step: 0, round: 0, dueAt: '2026-03-01T14:35:00.000Z' });
    await repo.setTimer('inc_a', { incidentId: 'inc_a', kind: 'page', step: 1, round: 0, dueAt: '2026-03-01T14:40:00.000Z' });
    await repo.setTimer('inc_b', { incidentId: 'inc_b', kind: 'ack_timeout', step: 0, round: 1, dueAt: '2026-03-01T14:36:00.000Z' });
    expect(await repo.dueTimers('2026-03-01T14:39:00.000Z')).toEqual([{ incidentId: 'inc_b', kind: 'ack_timeout', step: 0, round: 1, dueAt: '2026-03-01T14:36:00.000Z' }]);
    await repo.setTimer('inc_b', undefined);
    expect((await repo.dueTimers('2026-03-01T15:00:00.000Z')).map((t) => [t.incidentId, t.step])).toEqual([['inc_a', 1]]);
  });

  it('lets exactly one of two servers claim a due timer, and a claimed timer comes due again at its retry time', async () => {
    const repo = new KyselyIncidentRepository(store.db);
    const timer = { incidentId: 'inc_c', kind: 'page' as const, step: 0, round: 0, dueAt: '2026-03-01T14:35:00.000Z' };
    await repo.setTimer('inc_c', timer);
    const [first, second] = await Promise.all([repo.claimTimer(timer, '2026-03-01T14:36:00.000Z'), repo.claimTimer(timer, '2026-03-01T14:36:00.000Z')]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect((await repo.dueTimers('2026-03-01T14:35:30.000Z')).map((t) => t.incidentId)).not.toContain('inc_c');
    expect((await repo.dueTimers('2026-03-01T14:36:00.000Z')).find((t) => t.incidentId === 'inc_c')?.dueAt).toBe('2026-03-01T14:36:00.000Z');
  });

  it('lets one of two servers claim a periodic update, and keeps the claimed time', async () => {
    const repo = new KyselyIncidentRepository(store.db);
    const service = new IncidentService(repo, clock);
    const incident = await service.open({ service: 'web', environment: 'production', title: 'slow checkout', severity: 'P2', actor: 'alice' });
    const at = '2026-03-01T14:35:00.000Z';
    const claims = await Promise.all([repo.claimPeriodicUpdate(incident.id, undefined, at), repo.claimPeriodicUpdate(incident.id, undefined, at)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect((await repo.get(incident.id))?.lastUpdateAt).toBe(at);
    expect(await repo.claimPeriodicUpdate(incident.id, undefined, '2026-03-01T14:40:00.000Z')).toBe(false);
    expect(await repo.claimPeriodicUpdate(incident.id, at, '2026-03-01T14:40:00.000Z')).toBe(true);
  });

  it('writes what people do to an incident to the audit log, in the same transaction as the timeline', async () => {
    const service = new IncidentService(new KyselyIncidentRepository(store.db), clock);
    const incident = await service.open({ service: 'web', environment: 'production', title: 'cart empties', severity: 'P2', actor: 'alice' });
    await service.correctMilestone(incident.id, 'started', '2026-03-01T14:20:00Z', 'bob');
    await service.systemNote(incident.id, 'escalation', 'paging primary');
    const audit = await listAudit(store.db, { limit: 10, target: incident.id });
    expect(audit.map((a) => `${a.actor} ${a.action}`).sort()).toEqual(['alice incident.opened', 'bob incident.milestone_corrected']);
    expect(audit.find((a) => a.actor === 'bob')?.details?.text).toContain('Milestone started corrected from unset to 2026-03-01T14:20:00.000Z');
  });
});
