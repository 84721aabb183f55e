import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { EventBus, type RipcordEvent } from '../core/events.js';
import { overdueItems } from './incident.js';
import { renderPostmortem, renderRollbackLog, TO_BE_WRITTEN } from './incident-report.js';
import { IncidentService } from './incident-service.js';
import { computeRecoveryMetrics, formatRecoveryMetrics } from './recovery-metrics.js';
import { closeIncidentStores, sqliteIncidentRepository } from '../test-support/incident-store.js';

const base = { service: 'web', environment: 'production', releaseId: 'rel_bad' };

afterEach(closeIncidentStores);

async function setup() {
  const clock = new ManualClock('2026-03-01T14:30:00.000Z');
  const bus = new EventBus((error) => {
    throw error;
  });
  const service = new IncidentService(await sqliteIncidentRepository(), clock, async (id) => (id === 'rel_bad' ? '2026-03-01T14:27:00.000Z' : undefined));
  service.attach(bus);
  return { clock, bus, service };
}

async function playBadRelease(bus: EventBus): Promise<void> {
  const events: RipcordEvent[] = [
    { ...base, at: '2026-03-01T14:29:00.000Z', type: 'signal.first_bad', signal: 'error_rate', explanation: 'error rate 9% > 5%' },
    { ...base, at: '2026-03-01T14:30:00.000Z', type: 'trigger.fired', trigger: 'errors', severity: 'P1', explanation: 'error rate 12% > 5% for 2m' },
    { ...base, at: '2026-03-01T14:30:30.000Z', type: 'trigger.fired', trigger: 'latency', severity: 'P0', explanation: 'p99 2.4s > 1s for 2m' },
    { ...base, at: '2026-03-01T14:31:00.000Z', type: 'decision.made', decisionId: 'dec_1', severity: 'P0', action: 'rollback', explanation: 'P0: roll back now' },
    { ...base, at: '2026-03-01T14:31:10.000Z', type: 'rollback.started', planId: 'plan_1', reason: 'error rate 12% > 5%', actor: 'ripcord' },
    { ...base, at: '2026-03-01T14:33:00.000Z', type: 'rollback.step', planId: 'plan_1', step: 'git-revert', status: 'succeeded', durationMs: 110_000 },
    { ...base, at: '2026-03-01T14:34:10.000Z', type: 'rollback.finished', planId: 'plan_1', outcome: 'succeeded', durationMs: 180_000, state: 'production serves v1.0.0' },
    { ...base, at: '2026-03-01T14:36:00.000Z', type: 'verification.finished', planId: 'plan_1', passed: true, explanation: 'error rate 0.2% < 5%' },
  ];
  for (const event of events) await bus.publish(event);
}

describe('IncidentService', () => {
  it('opens one incident per bad release from triggers and rollbacks, with a full timeline', async () => {
    const { bus, service } = await setup();
    await playBadRelease(bus);
    const incidents = await service.list();
    expect(incidents).toHaveLength(1);
    const [incident] = incidents;
    expect(incident?.severity).toBe('P0'); // raised by the second trigger
    expect(incident?.status).toBe('monitoring');
    expect(incident?.milestones).toMatchObject({
      started: '2026-03-01T14:27:00.000Z',
      detected: '2026-03-01T14:30:00.000Z',
      mitigated: '2026-03-01T14:34:10.000Z',
    });
    expect(incident?.timeline.map((t) => t.kind)).toEqual(
      expect.arrayContaining(['trigger', 'decision', 'rollback', 'rollback_step', 'verification', 'status']),
    );
    expect(incident?.checklist.filter((c) => c.doneAt).map((c) => c.item)).toEqual(['alert received', 'rollback initiated', 'verification performed']);
  });

  it('does not open an incident for events that only describe, and keeps a second release separate', async () => {
    const { bus, service } = await setup();
    await bus.publish({ ...base, at: '2026-03-01T14:29:00.000Z', type: 'signal.first_bad', signal: 'x', explanation: 'y' });
    expect(await service.list()).toHaveLength(0);
    await bus.publish({ ...base, at: '2026-03-01T14:30:00.000Z', type: 'trigger.fired', trigger: 'a', severity: 'P2', explanation: 'a' });
    await bus.publish({ ...base, releaseId: 'rel_other', at: '2026-03-01T14:30:00.000Z', type: 'trigger.fired', trigger: 'a', severity: 'P2', explanation: 'a' });
    expect(await service.list()).toHaveLength(2);
  });

  it('records who moved the status, refuses to go backwards, and audits milestone corrections', async () => {
    const { clock, bus, service } = await setup();
    await playBadRelease(bus);
    const [incident] = await service.list();
    const id = incident?.id as string;
    await expect(service.setStatus(id, 'acknowledged', 'alice')).rejects.toThrow(/cannot go back/);
    clock.advance(60_000);
    const resolved = await service.setStatus(id, 'resolved', 'alice', 'all clear');
    expect(resolved.milestones.resolved).toBe('2026-03-01T14:31:00.000Z');
    expect(resolved.timeline.at(-1)).toMatchObject({ kind: 'status', actor: 'alice', text: 'Status monitoring → resolved: all clear' });
    const corrected = await service.correctMilestone(id, 'started', '2026-03-01T14:20:00Z', 'bob');
    expect(corrected.milestones.started).toBe('2026-03-01T14:20:00.000Z');
    expect(corrected.timeline.at(-1)).toMatchObject({ kind: 'milestone_corrected', actor: 'bob' });
    expect(corrected.timeline.at(-1)?.text).toContain('from 2026-03-01T14:27:00.000Z');
  });

  it('shows overdue checklist items against the seeds\' time boxes', async () => {
    const { clock, service } = await setup();
    const incident = await service.open({ service: 'web', environment: 'production', title: 'checkout broken', severity: 'P1', actor: 'alice' });
    expect(overdueItems(incident, clock.now())).toEqual([]);
    clock.advance(11 * 60_000);
    expect(overdueItems(incident, clock.now()).map((i) => i.item)).toEqual(['alert received', 'stakeholders notified']);
    const ticked = await service.tick(incident.id, 'alert received', 'alice');
    expect(overdueItems(ticked, clock.now()).map((i) => i.item)).toEqual(['stakeholders notified']);
  });

  it('renders a post-mortem pre-filled from the record with human sections marked', async () => {
    const { bus, service } = await setup();
    await playBadRelease(bus);
    const [incident] = await service.list();
    await service.addAction(incident?.id as string, 'Add integration test for null resume', 'alice');
    const md = renderPostmortem(await service.get(incident?.id as string));
    expect(md).toContain('# Post-Mortem: errors: error rate 12% > 5% for 2m');
    expect(md).toContain('- 14:31:10 - Rollback plan_1 started: error rate 12% > 5%');
    expect(md).toContain('- Time to detect: 3 minutes');
    expect(md).toContain('Trigger latency fired (P0): p99 2.4s > 1s for 2m');
    expect(md).toContain('- [ ] Add integration test for null resume (alice)');
    expect(md).toContain(TO_BE_WRITTEN);
    const log = renderRollbackLog(await service.list());
    expect(log.split('\n')[2]).toBe('| 2026-03-01 | 14:31 | errors: error rate 12% > 5% for 2m | git-revert | 3.0min | errors: error rate 12% > 5% for 2m |');
  });

  it('computes the recovery numbers and compares them with the seeds\' targets', async () => {
    const { bus, service } = await setup();
    await playBadRelease(bus);
    const [incident] = await service.list();
    await service.setStatus(incident?.id as string, 'acknowledged', 'alice').catch(() => undefined);
    const metrics = computeRecoveryMetrics(await service.list(), 4, { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' });
    const byName = Object.fromEntries(metrics.metrics.map((m) => [m.name, m]));
    expect(byName.mttd).toMatchObject({ value: 180_000, meetsTarget: true });
    expect(byName.time_to_decide).toMatchObject({ value: 60_000, meetsTarget: true });
    expect(byName.time_to_rollback).toMatchObject({ value: 180_000, meetsTarget: true });
    expect(byName.mttr).toMatchObject({ value: 250_000, meetsTarget: true });
    // From the action done (git-revert succeeded 14:33:00) to verification passed (14:36:00).
    expect(byName.mttv).toMatchObject({ value: 180_000 });
    expect(byName.rollback_success_rate).toMatchObject({ value: 1, meetsTarget: true });
    expect(byName.change_failure_rate).toMatchObject({ value: 0.25 });
    expect(metrics.bySeverity.P0).toBe(1);
    const table = formatRecoveryMetrics(metrics);
    expect(table).toMatch(/mttd\s+3\.0 min\s+< 5\.0 min\s+meets target \(n=1\)/);
    // Under a minute, seconds: a 45 s detection does not read as "0.8 min".
    const fast = { ...metrics, metrics: metrics.metrics.map((m) => (m.name === 'mttd' ? { ...m, value: 45_000 } : m)) };
    expect(formatRecoveryMetrics(fast)).toMatch(/mttd\s+45\.0 s\s+< 5\.0 min/);
    await service.markRollbackUnnecessary(incident?.id as string, 'plan_1', 'alice');
    const after = computeRecoveryMetrics(await service.list(), 4, { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' });
    expect(after.metrics.find((m) => m.name === 'false_positive_rate')).toMatchObject({ value: 1, meetsTarget: false });
  });
});
