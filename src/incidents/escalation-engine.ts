import type { EscalationPolicy } from '../config/ripcord-config.js';
import type { Clock } from '../core/clock.js';
import type { Incident, IncidentStatus } from './incident.js';
import type { EscalationTimer, IncidentRepository } from './incident-repository.js';
import type { IncidentService } from './incident-service.js';

/** Pages the named people for an incident; the communicator implements it with the configured notifiers. */
export type Pager = (incident: Incident, recipients: string[], reason: string) => Promise<void>;

const DEFAULT_REPEAT_GAP_MS = 5 * 60_000;
/** A claimed timer whose server died mid-page comes due again after this long. */
const CLAIM_LEASE_MS = 60_000;

/**
 * Walks an escalation policy until someone acknowledges: step by step (`after: 5m → secondary`),
 * then again from the top `repeat` times. An acknowledgement that is not followed by mitigation within
 * `ack_timeout` re-triggers paging. P0 pages everyone in the policy at once, then keeps escalating.
 * Due times are stored (one timer per incident), so a restarted server resumes where it stopped.
 */
export class EscalationEngine {
  constructor(
    private readonly repo: IncidentRepository,
    private readonly incidents: IncidentService,
    private readonly policyFor: (incident: Incident) => EscalationPolicy | undefined,
    private readonly page: Pager,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Registers with the incident service: start on open, stop or arm the ack timeout on status changes. */
  attach(): void {
    this.incidents.observe((incident, previous) => this.onChange(incident, previous));
  }

  async onChange(incident: Incident, previous: IncidentStatus | undefined): Promise<void> {
    const policy = this.policyFor(incident);
    if (!policy) return;
    if (previous === undefined) {
      const first = policy.steps[0]?.after ?? 0;
      await this.schedule(incident.id, { kind: 'page', step: 0, round: 0 }, first, incident.milestones.detected);
      // Due now: page without waiting for the next poll.
      if (first === 0) await this.tick();
      return;
    }
    if (incident.status === 'resolved' || incident.status === 'mitigating' || incident.status === 'monitoring') {
      await this.repo.setTimer(incident.id, undefined);
      return;
    }
    if (incident.status === 'acknowledged') {
      await this.repo.setTimer(incident.id, undefined);
      if (policy.ackTimeout !== undefined) await this.schedule(incident.id, { kind: 'ack_timeout', step: 0, round: 0 }, policy.ackTimeout);
    }
  }

  /** Fires every timer that is due. The server calls this every second; tests call it after moving a ManualClock. */
  async tick(): Promise<void> {
    const now = this.clock.now();
    for (const timer of await this.repo.dueTimers(now.toISOString())) {
      // Several servers may share the store: only the one that claims the timer pages.
      if (!(await this.repo.claimTimer(timer, new Date(now.getTime() + CLAIM_LEASE_MS).toISOString()))) continue;
      await this.fire(timer).catch((error) => this.onError(error));
    }
  }

  private async fire(timer: EscalationTimer): Promise<void> {
    const incident = await this.repo.get(timer.incidentId);
    const policy = incident ? this.policyFor(incident) : undefined;
    if (!incident || !policy || incident.status === 'resolved') {
      await this.repo.setTimer(timer.incidentId, undefined);
      return;
    }
    if (timer.kind === 'ack_timeout') {
      if (incident.status !== 'acknowledged') {
        await this.repo.setTimer(incident.id, undefined);
        return;
      }
      await this.incidents.systemNote(incident.id, 'escalation', `Acknowledged but not mitigated within ${(policy.ackTimeout ?? 0) / 60_000} min: paging again`);
      await this.pageStep(incident, policy, 0, timer.round + 1);
      return;
    }
    if (incident.status !== 'detected' && timer.round === 0) {
      await this.repo.setTimer(incident.id, undefined);
      return;
    }
    await this.pageStep(incident, policy, timer.step, timer.round);
  }

  private async pageStep(incident: Incident, policy: EscalationPolicy, step: number, round: number): Promise<void> {
    const current = policy.steps[step];
    if (!current) {
      await this.repo.setTimer(incident.id, undefined);
      return;
    }
    const everyone = incident.severity === 'P0' && step === 0;
    const recipients = everyone ? [...new Set(policy.steps.flatMap((s) => s.to))] : current.to;
    const why = everyone
      ? `P0: paging everyone at once (${recipients.join(', ')})`
      : `escalation step ${step + 1}/${policy.steps.length}${round > 0 ? `, round ${round + 1}` : ''}: paging ${recipients.join(', ')}`;
    await this.incidents.systemNote(incident.id, 'escalation', why);
    await this.page(incident, recipients, why);
    const next = policy.steps[step + 1];
    if (next) {
      await this.schedule(incident.id, { kind: 'page', step: step + 1, round }, next.after - current.after);
    } else if (round < policy.repeat) {
      await this.schedule(incident.id, { kind: 'page', step: 0, round: round + 1 }, policy.ackTimeout ?? DEFAULT_REPEAT_GAP_MS);
    } else {
      await this.repo.setTimer(incident.id, undefined);
      await this.incidents.systemNote(incident.id, 'escalation', `Escalation exhausted after ${round + 1} round(s) without acknowledgement`);
    }
  }

  private async schedule(incidentId: string, at: Pick<EscalationTimer, 'kind' | 'step' | 'round'>, afterMs: number, from?: string): Promise<void> {
    const base = from ? Date.parse(from) : this.clock.now().getTime();
    await this.repo.setTimer(incidentId, { incidentId, ...at, dueAt: new Date(base + afterMs).toISOString() });
  }
}
