import type { Severity } from '../config/schema/fields.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { EventBus, RipcordEvent } from '../core/events.js';
import { RipcordError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { defaultChecklist, INCIDENT_STATUSES, type Incident, type IncidentStatus, type Milestone } from './incident.js';
import type { IncidentFilter, IncidentRepository } from './incident-repository.js';
import type { DeliveryResult } from './notification-dispatcher.js';

const SYSTEM = 'ripcord';

/**
 * Opens, updates and closes incidents from domain events and from people. One incident per bad release:
 * later triggers and rollbacks for the same release land on the open incident's timeline.
 */
/** Told after an incident is stored: `previous` is its status before, `undefined` when it was just opened. */
export type IncidentObserver = (incident: Incident, previous: IncidentStatus | undefined) => void | Promise<void>;

export interface OpenIncident {
  service: string;
  environment: string;
  title: string;
  severity: Severity;
  actor: string;
  releaseId?: string | undefined;
  commander?: string | undefined;
  affected?: string[] | undefined;
}

export interface IncidentPatch {
  commander?: string | undefined;
  severity?: Severity | undefined;
  affected?: string[] | undefined;
  impact?: Incident['impact'] | undefined;
  rootCause?: string | undefined;
  lastUpdateAt?: string | undefined;
}

export class IncidentService {
  private unsubscribe: (() => void) | undefined;
  private readonly observers: IncidentObserver[] = [];
  /** Every change to an incident runs one at a time, so concurrent writers never lose a timeline entry. */
  private lock: Promise<unknown> = Promise.resolve();
  /** Observer work still running (notifications, escalation); `idle()` waits for it. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly repo: IncidentRepository,
    private readonly clock: Clock = systemClock,
    /** When the release went live, from the ledger; the `started` milestone. */
    private readonly releaseLiveAt: (releaseId: string) => Promise<string | undefined> = async () => undefined,
    private readonly onObserverError: (error: unknown) => void = () => undefined,
  ) {}

  attach(bus: EventBus): void {
    this.unsubscribe = bus.subscribe((event) => this.serial(() => this.onEvent(event)));
  }

  detach(): void {
    this.unsubscribe?.();
  }

  /** Escalation and communication watch incidents open and change status through this. */
  observe(observer: IncidentObserver): void {
    this.observers.push(observer);
  }

  /** Resolves when no observer work is left (tests; graceful shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.lock;
  }

  async get(id: string): Promise<Incident> {
    const incident = await this.repo.get(id);
    if (!incident) throw new RipcordError('not_found', `no incident ${id}; list them with \`ripcord incident list\``);
    return incident;
  }

  list(filter?: IncidentFilter): Promise<Incident[]> {
    return this.repo.list(filter);
  }

  open(input: OpenIncident): Promise<Incident> {
    return this.serial(async () => {
      const incident = await this.create(input);
      await this.commit(incident, undefined);
      return incident;
    });
  }

  setStatus(id: string, to: IncidentStatus, actor: string, note?: string): Promise<Incident> {
    return this.mutate(id, (incident) => {
      if (INCIDENT_STATUSES.indexOf(to) < INCIDENT_STATUSES.indexOf(incident.status)) {
        throw new RipcordError('conflict', `incident ${id} is ${incident.status}; it cannot go back to ${to}`);
      }
      this.transition(incident, to, actor, this.clock.now().toISOString(), note);
    });
  }

  /** Acknowledging again (after an ack timeout re-paged) is recorded and stops the new round of paging. */
  acknowledge(id: string, actor: string): Promise<Incident> {
    return this.mutate(id, (incident) => {
      if (incident.status === 'detected') {
        this.transition(incident, 'acknowledged', actor, this.clock.now().toISOString());
        return undefined;
      }
      const at = this.clock.now().toISOString();
      // The rollback may have moved the incident past `detected` before anyone answered the page:
      // the first acknowledgement is still the acknowledged milestone (MTTA is measured from it).
      const first = incident.milestones.acknowledged === undefined;
      if (first) incident.milestones.acknowledged = at;
      incident.timeline.push({ at, kind: 'acknowledged', text: first ? `Acknowledged (status stays ${incident.status})` : `Acknowledged again (status stays ${incident.status})`, actor });
      // Tell escalation, which stops a re-triggered round and re-arms the ack timeout.
      return incident.status === 'acknowledged' ? 'detected' : undefined;
    });
  }

  note(id: string, text: string, actor: string): Promise<Incident> {
    return this.mutate(id, (incident) => {
      incident.timeline.push({ at: this.clock.now().toISOString(), kind: 'note', text, actor });
    });
  }

  /** A system remark on the timeline (escalation paged someone, an acknowledgement timed out…). */
  systemNote(id: string, kind: string, text: string): Promise<Incident> {
    return this.mutate(id, (incident) => {
      incident.timeline.push({ at: this.clock.now().toISOString(), kind, text, actor: SYSTEM });
    });
  }

  /** Writes each delivery on the timeline (sent or failed, with the error), so nothing is lost silently. */
  recordDeliveries(id: string, what: string, results: DeliveryResult[]): Promise<Incident> {
    return this.mutate(id, (incident) => {
      const at = this.clock.now().toISOString();
      for (const r of results) {
        incident.timeline.push({
          at,
          kind: r.ok ? 'notification_sent' : 'notification_failed',
          text: r.ok ? `${what} sent via ${r.notifier}` : `${what} FAILED via ${r.notifier} after ${r.attempts} attempts: ${r.error}`,
          actor: SYSTEM,
        });
      }
      if (what.startsWith('incident notification') && results.some((r) => r.ok)) tickItem(incident, 'stakeholders notified', at);
    });
  }

  update(id: string, patch: IncidentPatch, actor: string): Promise<Incident> {
    return this.mutate(id, (incident) => {
      const changed: string[] = [];
      if (patch.commander !== undefined && patch.commander !== incident.commander) {
        incident.commander = patch.commander;
        changed.push(`commander ${patch.commander}`);
      }
      if (patch.severity !== undefined && patch.severity !== incident.severity) {
        changed.push(`severity ${incident.severity} → ${patch.severity}`);
        incident.severity = patch.severity;
      }
      if (patch.affected !== undefined) {
        incident.affected = patch.affected;
        changed.push(`affected ${patch.affected.join(', ')}`);
      }
      if (patch.impact !== undefined) {
        incident.impact = { ...incident.impact, ...patch.impact };
        changed.push(`impact ${JSON.stringify(patch.impact)}`);
      }
      if (patch.rootCause !== undefined) {
        incident.rootCause = patch.rootCause;
        changed.push('root cause written');
      }
      if (patch.lastUpdateAt !== undefined) incident.lastUpdateAt = patch.lastUpdateAt;
      if (changed.length > 0) incident.timeline.push({ at: this.clock.now().toISOString(), kind: 'updated', text: `Updated: ${changed.join('; ')}`, actor });
    });
  }

  /** A person corrects a milestone (often the true start is known only later); the change is on the timeline. */
  correctMilestone(id: string, milestone: Milestone, at: string, actor: string): Promise<Incident> {
    const when = new Date(at);
    if (Number.isNaN(when.getTime())) throw new RipcordError('invalid_input', `"${at}" is not a time; use ISO-8601 like 2026-03-01T14:20:00Z`);
    return this.mutate(id, (incident) => {
      const before = incident.milestones[milestone];
      incident.milestones[milestone] = when.toISOString();
      incident.timeline.push({
        at: this.clock.now().toISOString(),
        kind: 'milestone_corrected',
        text: `Milestone ${milestone} corrected from ${before ?? 'unset'} to ${incident.milestones[milestone]}`,
        actor,
      });
    });
  }

  tick(id: string, item: string, actor: string): Promise<Incident> {
    return this.mutate(id, (incident) => {
      const found = incident.checklist.find((c) => c.item === item || `${c.phase}` === item);
      if (!found) {
        throw new RipcordError('invalid_input', `no checklist item "${item}"; items: ${incident.checklist.map((c) => c.item).join(', ')}`, [{ path: 'body.item', message: 'not on the checklist' }]);
      }
      found.doneAt ??= this.clock.now().toISOString();
      found.doneBy ??= actor;
    });
  }

  addAction(id: string, text: string, owner?: string): Promise<Incident> {
    return this.mutate(id, (incident) => {
      incident.actionItems.push({ id: incident.actionItems.length + 1, text, owner, done: false });
    });
  }

  completeAction(id: string, actionId: number): Promise<Incident> {
    return this.mutate(id, (incident) => {
      const action = incident.actionItems.find((a) => a.id === actionId);
      if (!action) throw new RipcordError('not_found', `incident ${id} has no action item ${actionId}`);
      action.done = true;
    });
  }

  /** Marks a rollback as unnecessary afterwards: it counts towards the false-positive rate. */
  markRollbackUnnecessary(id: string, planId: string, actor: string, reason?: string): Promise<Incident> {
    return this.mutate(id, (incident) => {
      const rb = incident.rollbacks.find((r) => r.planId === planId);
      if (!rb) throw new RipcordError('not_found', `incident ${id} has no rollback ${planId}; it has ${incident.rollbacks.map((r) => r.planId).join(', ') || 'none'}`);
      rb.unnecessary = true;
      incident.timeline.push({ at: this.clock.now().toISOString(), kind: 'rollback_unnecessary', text: `Rollback ${planId} marked unnecessary${reason ? `: ${reason}` : ''}`, actor });
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Loads, changes and stores one incident under the lock. `change` may return a status to report to
   * observers as the previous one (for re-acknowledgements); otherwise they hear of real status changes.
   */
  private mutate(id: string, change: (incident: Incident) => IncidentStatus | undefined): Promise<Incident> {
    return this.serial(async () => {
      const incident = await this.get(id);
      const before = incident.status;
      const reported = change(incident);
      await this.commit(incident, reported ?? before, reported !== undefined && reported !== null);
      return incident;
    });
  }

  /** Stores, then tells observers without waiting for them (a slow Slack must not hold up a rollback). */
  private async commit(incident: Incident, previous: IncidentStatus | undefined, force = false): Promise<void> {
    await this.repo.save(incident);
    if (previous === incident.status && !force) return;
    const snapshot = structuredClone(incident);
    for (const observer of this.observers) {
      const work = Promise.resolve()
        .then(() => observer(structuredClone(snapshot), previous))
        .catch((error) => this.onObserverError(error));
      this.pending.add(work);
      void work.finally(() => this.pending.delete(work));
    }
  }

  private async create(input: OpenIncident, at?: string): Promise<Incident> {
    const now = at ?? this.clock.now().toISOString();
    const incident: Incident = {
      id: newId('inc', this.clock.now()),
      service: input.service,
      environment: input.environment,
      releaseId: input.releaseId,
      title: input.title,
      severity: input.severity,
      status: 'detected',
      commander: input.commander,
      affected: input.affected?.length ? input.affected : [input.service],
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
    return incident;
  }

  private transition(incident: Incident, to: IncidentStatus, actor: string, at: string, note?: string): void {
    if (INCIDENT_STATUSES.indexOf(to) <= INCIDENT_STATUSES.indexOf(incident.status)) return;
    incident.timeline.push({ at, kind: 'status', text: `Status ${incident.status} → ${to}${note ? `: ${note}` : ''}`, actor });
    incident.status = to;
    if (to === 'acknowledged') incident.milestones.acknowledged ??= at;
    if (to === 'monitoring') incident.milestones.mitigated ??= at;
    if (to === 'resolved') {
      incident.milestones.mitigated ??= at;
      incident.milestones.resolved ??= at;
    }
  }

  private async findOpen(event: RipcordEvent): Promise<Incident | undefined> {
    const open = await this.repo.list({ service: event.service, environment: event.environment, openOnly: true });
    return open.find((i) => (event.releaseId ? i.releaseId === event.releaseId : true));
  }

  private async onEvent(event: RipcordEvent): Promise<void> {
    let incident = await this.findOpen(event);
    const opener = openingReason(event);
    let previous: IncidentStatus | undefined;
    if (incident) {
      previous = incident.status;
    } else {
      if (!opener) return;
      // Detection happened when the event did, not when this handler ran.
      incident = await this.create(
        { service: event.service, environment: event.environment, releaseId: event.releaseId, title: opener.reason, severity: opener.severity, actor: SYSTEM },
        event.at,
      );
      tickItem(incident, 'alert received', event.at);
    }
    applyEvent(incident, event, (to, actor) => this.transition(incident, to, actor, event.at));
    await this.commit(incident, previous);
  }
}

/** Writes an event on the incident's timeline and applies what it means (rollbacks, severity, checklist). */
function applyEvent(incident: Incident, event: RipcordEvent, transition: (to: IncidentStatus, actor: string) => void): void {
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
    case 'verdict.changed':
      push('verdict', `Verdict ${event.verdict}: ${event.explanation}`);
      break;
    case 'detection.blind':
      push('blind', `Cannot judge since ${event.since.slice(11, 19)}: ${event.explanation}; nothing is rolled back automatically, a person should look`);
      break;
    case 'decision.made':
      push('decision', `Decision ${event.action}${event.deadline ? ` by ${event.deadline}` : ''}: ${event.explanation}`);
      if (severityRank(event.severity) < severityRank(incident.severity)) incident.severity = event.severity;
      break;
    case 'decision.approved':
    case 'decision.vetoed':
      push('decision', `Decision ${event.type === 'decision.approved' ? 'approved' : 'vetoed'}${event.reason ? `: ${event.reason}` : ''}`, event.actor);
      break;
    case 'rollback.started':
      push('rollback', `Rollback ${event.planId} started: ${event.reason}`, event.actor);
      incident.rollbacks.push({ planId: event.planId, startedAt: event.at, reason: event.reason });
      tickItem(incident, 'rollback initiated', event.at);
      transition('mitigating', event.actor);
      break;
    case 'rollback.step':
      push('rollback_step', `Step ${event.step} ${event.status}${event.durationMs !== undefined ? ` in ${event.durationMs} ms` : ''}${event.detail ? `: ${event.detail}` : ''}`);
      break;
    case 'rollback.finished': {
      push('rollback', `Rollback ${event.planId} ${event.outcome} in ${event.durationMs} ms; ${event.state}`);
      const rb = incident.rollbacks.find((r) => r.planId === event.planId);
      if (rb) Object.assign(rb, { outcome: event.outcome, durationMs: event.durationMs });
      if (event.outcome === 'succeeded') transition('monitoring', SYSTEM);
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
    case 'flag.changed':
      push('flag', `Flag ${event.key} turned ${event.enabled ? 'on' : 'off'}${event.reason ? `: ${event.reason}` : ''}`, event.actor);
      break;
  }
}

/** Only a fired trigger, a decision or a rollback opens an incident; other events only add to an open one. */
function openingReason(event: RipcordEvent): { severity: Severity; reason: string } | undefined {
  // The title is read on phones and in chat: the trigger and its first clause, not every number.
  if (event.type === 'trigger.fired') return { severity: event.severity, reason: `${event.trigger}: ${firstClause(event.explanation)}` };
  if (event.type === 'decision.made') return { severity: event.severity, reason: firstClause(event.explanation) };
  if (event.type === 'rollback.started') return { severity: 'P1', reason: firstClause(event.reason) };
  // Missing data pages a person: "cannot judge production: Prometheus unreachable: ECONNREFUSED".
  if (event.type === 'detection.blind') return { severity: event.severity, reason: event.explanation.slice(0, 200) };
  return undefined;
}

function firstClause(explanation: string): string {
  return (explanation.split('. Because')[0] ?? explanation).split('; ')[0]?.slice(0, 200) ?? explanation;
}

function severityRank(s: Severity): number {
  return Number(s.slice(1));
}

function tickItem(incident: Incident, item: string, at: string): void {
  const found = incident.checklist.find((c) => c.item === item);
  if (found && !found.doneAt) Object.assign(found, { doneAt: at, doneBy: SYSTEM });
}
