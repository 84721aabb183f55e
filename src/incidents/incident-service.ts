import type { Severity } from '../config/schema/fields.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { EventBus, RipcordEvent } from '../core/events.js';
import { newId } from '../core/ids.js';
import { defaultChecklist, INCIDENT_STATUSES, type Incident, type IncidentStatus, type Milestone } from './incident.js';
import type { IncidentRepository } from './incident-repository.js';

const SYSTEM = 'ripcord';

/**
 * Opens, updates and closes incidents from domain events and from people. One incident per bad release:
 * later triggers and rollbacks for the same release land on the open incident's timeline.
 */
export class IncidentService {
  private unsubscribe: (() => void) | undefined;
  /** Serialises event handling so two triggers for one release never open two incidents. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repo: IncidentRepository,
    private readonly clock: Clock = systemClock,
    /** When the release went live, from the ledger; the `started` milestone. */
    private readonly releaseLiveAt: (releaseId: string) => Promise<string | undefined> = async () => undefined,
  ) {}

  attach(bus: EventBus): void {
    this.unsubscribe = bus.subscribe((event) => {
      const run = this.queue.then(() => this.onEvent(event));
      this.queue = run.catch(() => undefined);
      return run;
    });
  }

  detach(): void {
    this.unsubscribe?.();
  }

  async open(input: {
    service: string;
    environment: string;
    title: string;
    severity: Severity;
    actor: string;
    releaseId?: string | undefined;
    commander?: string | undefined;
    affected?: string[] | undefined;
  }): Promise<Incident> {
    const now = this.clock.now().toISOString();
    const incident: Incident = {
      id: newId('inc', this.clock.now()),
      service: input.service,
      environment: input.environment,
      releaseId: input.releaseId,
      title: input.title,
      severity: input.severity,
      status: 'detected',
      commander: input.commander,
      affected: input.affected ?? [input.service],
      impact: {},
      milestones: { detected: now },
      timeline: [{ at: now, kind: 'opened', text: `Incident opened (${input.severity}): ${input.title}`, actor: input.actor }],
      checklist: defaultChecklist(),
      actionItems: [],
      rollbacks: [],
    };
    if (input.releaseId) {
      const started = await this.releaseLiveAt(input.releaseId);
      if (started) incident.milestones.started = started;
    }
    await this.repo.save(incident);
    return incident;
  }

  async get(id: string): Promise<Incident> {
    const incident = await this.repo.get(id);
    if (!incident) throw new Error(`no incident ${id}`);
    return incident;
  }

  list(filter?: { service?: string; environment?: string }): Promise<Incident[]> {
    return this.repo.list(filter);
  }

  async setStatus(id: string, to: IncidentStatus, actor: string, note?: string): Promise<Incident> {
    const incident = await this.get(id);
    if (INCIDENT_STATUSES.indexOf(to) < INCIDENT_STATUSES.indexOf(incident.status)) {
      throw new Error(`incident ${id} is ${incident.status}; it cannot go back to ${to}`);
    }
    this.transition(incident, to, actor, note);
    await this.repo.save(incident);
    return incident;
  }

  acknowledge(id: string, actor: string): Promise<Incident> {
    return this.setStatus(id, 'acknowledged', actor);
  }

  async note(id: string, text: string, actor: string): Promise<Incident> {
    const incident = await this.get(id);
    incident.timeline.push({ at: this.clock.now().toISOString(), kind: 'note', text, actor });
    await this.repo.save(incident);
    return incident;
  }

  /** A person corrects a milestone (often the true start is known only later); the change is on the timeline. */
  async correctMilestone(id: string, milestone: Milestone, at: string, actor: string): Promise<Incident> {
    const incident = await this.get(id);
    const before = incident.milestones[milestone];
    incident.milestones[milestone] = new Date(at).toISOString();
    incident.timeline.push({
      at: this.clock.now().toISOString(),
      kind: 'milestone_corrected',
      text: `Milestone ${milestone} corrected from ${before ?? 'unset'} to ${incident.milestones[milestone]}`,
      actor,
    });
    await this.repo.save(incident);
    return incident;
  }

  async tick(id: string, item: string, actor: string): Promise<Incident> {
    const incident = await this.get(id);
    const found = incident.checklist.find((c) => c.item === item);
    if (!found) throw new Error(`no checklist item "${item}"; items: ${incident.checklist.map((c) => c.item).join(', ')}`);
    found.doneAt ??= this.clock.now().toISOString();
    found.doneBy ??= actor;
    await this.repo.save(incident);
    return incident;
  }

  async addAction(id: string, text: string, owner?: string): Promise<Incident> {
    const incident = await this.get(id);
    incident.actionItems.push({ id: incident.actionItems.length + 1, text, owner, done: false });
    await this.repo.save(incident);
    return incident;
  }

  async completeAction(id: string, actionId: number): Promise<Incident> {
    const incident = await this.get(id);
    const action = incident.actionItems.find((a) => a.id === actionId);
    if (!action) throw new Error(`incident ${id} has no action item ${actionId}`);
    action.done = true;
    await this.repo.save(incident);
    return incident;
  }

  /** Marks a rollback as unnecessary afterwards: it counts towards the false-positive rate. */
  async markRollbackUnnecessary(id: string, planId: string, actor: string): Promise<Incident> {
    const incident = await this.get(id);
    const rb = incident.rollbacks.find((r) => r.planId === planId);
    if (!rb) throw new Error(`incident ${id} has no rollback ${planId}`);
    rb.unnecessary = true;
    incident.timeline.push({ at: this.clock.now().toISOString(), kind: 'rollback_unnecessary', text: `Rollback ${planId} marked unnecessary`, actor });
    await this.repo.save(incident);
    return incident;
  }

  private transition(incident: Incident, to: IncidentStatus, actor: string, note?: string): void {
    if (incident.status === to) return;
    const now = this.clock.now().toISOString();
    incident.timeline.push({ at: now, kind: 'status', text: `Status ${incident.status} → ${to}${note ? `: ${note}` : ''}`, actor });
    incident.status = to;
    if (to === 'acknowledged') incident.milestones.acknowledged ??= now;
    if (to === 'monitoring') incident.milestones.mitigated ??= now;
    if (to === 'resolved') {
      incident.milestones.mitigated ??= now;
      incident.milestones.resolved ??= now;
    }
  }

  private async findOpen(event: RipcordEvent): Promise<Incident | undefined> {
    const open = await this.repo.list({ service: event.service, environment: event.environment, openOnly: true });
    return open.find((i) => (event.releaseId ? i.releaseId === event.releaseId : true));
  }

  private async onEvent(event: RipcordEvent): Promise<void> {
    let found = await this.findOpen(event);
    const opener = openingReason(event);
    if (!found && !opener) return;
    if (!found && opener) {
      const { severity, reason } = opener;
      found = await this.open({
        service: event.service,
        environment: event.environment,
        releaseId: event.releaseId,
        title: reason,
        severity,
        actor: SYSTEM,
      });
      // Detection happened when the event did, not when this handler ran.
      found.timeline[0] = { ...found.timeline[0], at: event.at } as Incident['timeline'][number];
      found.milestones.detected = event.at;
      tickItem(found, 'alert received', event.at);
    }
    if (!found) return;
    const incident = found;
    const push = (kind: string, text: string, actor = SYSTEM) => incident.timeline.push({ at: event.at, kind, text, actor });
    switch (event.type) {
      case 'signal.first_bad':
        push('first_bad', `First bad measurement on ${event.signal}: ${event.explanation}`);
        break;
      case 'trigger.fired':
        push('trigger', `Trigger ${event.trigger} fired (${event.severity}): ${event.explanation}`);
        if (severityRank(event.severity) < severityRank(incident.severity)) incident.severity = event.severity;
        break;
      case 'trigger.resolved':
        push('trigger_resolved', `Trigger ${event.trigger} resolved: ${event.explanation}`);
        break;
      case 'decision.made':
        push('decision', `Decision ${event.action}: ${event.explanation}`);
        break;
      case 'decision.approved':
      case 'decision.vetoed':
        push('decision', `Decision ${event.type === 'decision.approved' ? 'approved' : 'vetoed'}${event.reason ? `: ${event.reason}` : ''}`, event.actor);
        break;
      case 'rollback.started':
        push('rollback', `Rollback ${event.planId} started: ${event.reason}`, event.actor);
        incident.rollbacks.push({ planId: event.planId, startedAt: event.at, reason: event.reason });
        tickItem(incident, 'rollback initiated', event.at);
        this.transition(incident, 'mitigating', event.actor);
        break;
      case 'rollback.step':
        push('rollback_step', `Step ${event.step} ${event.status}${event.durationMs !== undefined ? ` in ${event.durationMs} ms` : ''}${event.detail ? `: ${event.detail}` : ''}`);
        break;
      case 'rollback.finished': {
        push('rollback', `Rollback ${event.planId} ${event.outcome} in ${event.durationMs} ms; ${event.state}`);
        const rb = incident.rollbacks.find((r) => r.planId === event.planId);
        if (rb) Object.assign(rb, { outcome: event.outcome, durationMs: event.durationMs });
        if (event.outcome === 'succeeded') {
          incident.milestones.mitigated ??= event.at;
          this.transitionAt(incident, 'monitoring', event.at);
        }
        break;
      }
      case 'verification.finished':
        push('verification', `Verification ${event.passed ? 'passed' : 'failed'}: ${event.explanation}`);
        if (event.passed) tickItem(incident, 'verification performed', event.at);
        break;
      case 'release.status_changed':
        push('release', `Release ${event.version} ${event.from ?? 'new'} → ${event.to}${event.reason ? `: ${event.reason}` : ''}`, event.actor);
        break;
      case 'release.recorded':
        push('deploy', `Release ${event.version} recorded`, event.actor);
        break;
      default:
        push(event.type, event.type);
    }
    await this.repo.save(incident);
  }

  private transitionAt(incident: Incident, to: IncidentStatus, at: string): void {
    if (INCIDENT_STATUSES.indexOf(to) <= INCIDENT_STATUSES.indexOf(incident.status)) return;
    incident.timeline.push({ at, kind: 'status', text: `Status ${incident.status} → ${to}`, actor: SYSTEM });
    incident.status = to;
  }
}

/** Only a fired trigger, a decision or a rollback opens an incident; other events only add to an open one. */
function openingReason(event: RipcordEvent): { severity: Severity; reason: string } | undefined {
  if (event.type === 'trigger.fired' || event.type === 'decision.made') return { severity: event.severity, reason: event.explanation };
  if (event.type === 'rollback.started') return { severity: 'P1', reason: event.reason };
  return undefined;
}

function severityRank(s: Severity): number {
  return Number(s.slice(1));
}

function tickItem(incident: Incident, item: string, at: string): void {
  const found = incident.checklist.find((c) => c.item === item);
  if (found && !found.doneAt) Object.assign(found, { doneAt: at, doneBy: SYSTEM });
}
