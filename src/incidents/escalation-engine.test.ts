import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EscalationPolicy } from '../config/ripcord-config.js';
import { ManualClock } from '../core/clock.js';
import { EscalationEngine } from './escalation-engine.js';
import type { Incident } from './incident.js';
import type { IncidentRepository } from './incident-repository.js';
import { IncidentService } from './incident-service.js';
import { closeIncidentStores, sqliteIncidentRepository } from '../test-support/incident-store.js';

const MIN = 60_000;

/** The escalation walk in virtual time: who is paged when, and what stops it. */
describe('escalation engine', () => {
  let clock: ManualClock;
  let repo: IncidentRepository;
  let service: IncidentService;
  let pages: { at: number; to: string[]; reason: string }[];
  let policy: EscalationPolicy;
  let engine: EscalationEngine;
  const start = Date.parse('2026-03-01T14:30:00Z');

  const minutesSinceStart = () => pages.map((p) => [(p.at - start) / MIN, p.to.join('+')]);
  /** Moves the clock a minute at a time, ticking like the server's timer does. */
  const runFor = async (minutes: number) => {
    for (let i = 0; i < minutes; i++) {
      clock.advance(MIN);
      await engine.tick();
      await service.idle();
    }
  };
  const open = async (severity: Incident['severity'] = 'P1') => {
    const incident = await service.open({ service: 'web', environment: 'production', title: 'checkout errors', severity, actor: 'ripcord' });
    await service.idle();
    return incident;
  };

  afterEach(closeIncidentStores);
  beforeEach(async () => {
    clock = new ManualClock(new Date(start));
    repo = await sqliteIncidentRepository();
    service = new IncidentService(repo, clock);
    pages = [];
    policy = { steps: [{ after: 0, to: ['primary'] }, { after: 5 * MIN, to: ['secondary'] }, { after: 10 * MIN, to: ['manager'] }], repeat: 0 };
    engine = new EscalationEngine(repo, service, () => policy, async (_incident, to, reason) => void pages.push({ at: clock.now().getTime(), to, reason }), clock);
    engine.attach();
  });

  it('pages step by step until the policy is exhausted, and says so on the timeline', async () => {
    const incident = await open();
    await runFor(20);
    expect(minutesSinceStart()).toEqual([
      [0, 'primary'],
      [5, 'secondary'],
      [10, 'manager'],
    ]);
    const timeline = (await service.get(incident.id)).timeline.map((t) => t.text);
    expect(timeline).toContain('escalation step 2/3: paging secondary');
    expect(timeline.at(-1)).toBe('Escalation exhausted after 1 round(s) without acknowledgement');
  });

  it('stops paging once someone acknowledges', async () => {
    const incident = await open();
    await runFor(3);
    await service.acknowledge(incident.id, 'alice');
    await service.idle();
    await runFor(20);
    expect(minutesSinceStart()).toEqual([[0, 'primary']]);
  });

  it('repeats the whole policy the configured number of times', async () => {
    policy = { steps: [{ after: 0, to: ['primary'] }, { after: 5 * MIN, to: ['secondary'] }], repeat: 2, ackTimeout: 10 * MIN };
    await open();
    await runFor(60);
    // Round gap = ack_timeout (10 min) after the last step of a round.
    expect(minutesSinceStart()).toEqual([
      [0, 'primary'],
      [5, 'secondary'],
      [15, 'primary'],
      [20, 'secondary'],
      [30, 'primary'],
      [35, 'secondary'],
    ]);
  });

  it('pages again when an acknowledgement is not followed by mitigation within ack_timeout', async () => {
    policy = { steps: [{ after: 0, to: ['primary'] }, { after: 5 * MIN, to: ['secondary'] }], repeat: 1, ackTimeout: 15 * MIN };
    const incident = await open();
    clock.advance(2 * MIN);
    await service.acknowledge(incident.id, 'alice');
    await service.idle();
    await runFor(16);
    expect(minutesSinceStart()).toEqual([
      [0, 'primary'],
      [17, 'primary'],
    ]);
    expect((await service.get(incident.id)).timeline.map((t) => t.text)).toContain('Acknowledged but not mitigated within 15 min: paging again');
    // Mitigation stops it for good.
    await service.setStatus(incident.id, 'mitigating', 'alice');
    await service.idle();
    await runFor(30);
    expect(pages).toHaveLength(2);
  });

  it('pages everyone at once for P0, then keeps escalating', async () => {
    await open('P0');
    await runFor(6);
    expect(minutesSinceStart()).toEqual([
      [0, 'primary+secondary+manager'],
      [5, 'secondary'],
    ]);
    expect(pages[0]?.reason).toBe('P0: paging everyone at once (primary, secondary, manager)');
  });

  it('resumes from the stored timer with a fresh engine (a restarted server)', async () => {
    await open();
    await runFor(2);
    // The server restarts: a new service and engine over the same store.
    service = new IncidentService(repo, clock);
    engine = new EscalationEngine(repo, service, () => policy, async (_incident, to, reason) => void pages.push({ at: clock.now().getTime(), to, reason }), clock);
    engine.attach();
    await runFor(4);
    expect(minutesSinceStart()).toEqual([
      [0, 'primary'],
      [5, 'secondary'],
    ]);
  });

  it('pages once when two engines share the store', async () => {
    const other = new EscalationEngine(repo, service, () => policy, async (_incident, to, reason) => void pages.push({ at: clock.now().getTime(), to, reason }), clock);
    await open();
    for (let i = 0; i < 6; i++) {
      clock.advance(MIN);
      await Promise.all([engine.tick(), other.tick()]);
      await service.idle();
    }
    expect(minutesSinceStart()).toEqual([
      [0, 'primary'],
      [5, 'secondary'],
    ]);
  });
});
