import type { Severity } from '../config/schema/fields.js';
import type { PolicyEntry } from '../config/schema/policy-schema.js';
import type { Clock } from '../core/clock.js';
import { notFound, RipcordError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { newId } from '../core/ids.js';
import type { Verdict } from '../detection/verdict.js';
import type { Decision, DecisionRepository } from './decision.js';
import { decide, type Impact } from './policy.js';

/**
 * Turns an unhealthy verdict into a recorded decision (policy + inputs), publishes `decision.made`,
 * and lets an operator approve or veto it (`decision.approved` / `decision.vetoed`). The rollback
 * executor subscribes to these events: `rollback` (approved at once by policy) and approved
 * `rollback_after_approval` decisions are the ones it acts on.
 */
export class DecisionService {
  constructor(
    private readonly repository: DecisionRepository,
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {}

  async decideOn(
    context: { service: string; environment: string; releaseId?: string | undefined },
    verdict: Verdict,
    impact: Impact,
    matrix: Record<Severity, PolicyEntry>,
  ): Promise<Decision | undefined> {
    const policy = decide(verdict, impact, matrix);
    if (!policy) return undefined;
    const now = this.clock.now();
    const decision: Decision = {
      id: newId('dec', now),
      ...context,
      severity: policy.severity,
      action: policy.action,
      deadline: policy.deadlineMs !== undefined ? new Date(now.getTime() + policy.deadlineMs).toISOString() : undefined,
      status: policy.action === 'rollback_after_approval' ? 'pending' : 'approved',
      approval: policy.approval,
      explanation: `${policy.explanation}. Because: ${verdict.explanation}`,
      inputs: {
        verdict: verdict.state,
        firing: verdict.firing.map((r) => ({ trigger: r.trigger, kind: r.kind, severity: r.severity, impact: r.impact, explanation: r.explanation, facts: r.facts, values: r.values })),
        impact,
        policy: matrix[policy.severity],
      },
      madeAt: now.toISOString(),
      decidedBy: policy.action === 'rollback_after_approval' ? undefined : 'policy',
    };
    await this.repository.insert(decision);
    await this.events.publish({
      type: 'decision.made',
      at: decision.madeAt,
      service: decision.service,
      environment: decision.environment,
      releaseId: decision.releaseId,
      decisionId: decision.id,
      severity: decision.severity,
      action: decision.action,
      deadline: decision.deadline,
      explanation: decision.explanation,
    });
    return decision;
  }

  async get(id: string): Promise<Decision> {
    const decision = await this.repository.get(id);
    if (!decision) throw notFound(`decision ${id}`);
    return decision;
  }

  list(filter: { service?: string | undefined; environment?: string | undefined; environments?: readonly string[] | undefined; limit?: number | undefined }): Promise<Decision[]> {
    return this.repository.list({ ...filter, limit: Math.min(filter.limit ?? 50, 200) });
  }

  approve(id: string, actor: string, reason?: string): Promise<Decision> {
    return this.settle(id, 'approved', actor, reason);
  }

  veto(id: string, actor: string, reason?: string): Promise<Decision> {
    return this.settle(id, 'vetoed', actor, reason);
  }

  private async settle(id: string, status: 'approved' | 'vetoed', actor: string, reason?: string): Promise<Decision> {
    const decision = await this.get(id);
    const at = this.clock.now().toISOString();
    if (!(await this.repository.settle(id, status, actor, at, reason))) {
      const current = await this.get(id);
      throw new RipcordError('conflict', `decision ${id} is already ${current.status}${current.decidedBy ? ` (by ${current.decidedBy})` : ''}; only a pending decision can be approved or vetoed`);
    }
    await this.events.publish({
      type: status === 'approved' ? 'decision.approved' : 'decision.vetoed',
      at,
      service: decision.service,
      environment: decision.environment,
      releaseId: decision.releaseId,
      decisionId: id,
      actor,
      reason,
    });
    return this.get(id);
  }
}
