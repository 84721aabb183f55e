import { RipcordError } from '../core/errors.js';
import type { PlanStatus, PlanStep, RollbackPlan } from './rollback-plan.js';

export type PlanPatch = Partial<Pick<RollbackPlan, 'status' | 'state' | 'startedAt' | 'finishedAt'>>;
export type StepPatch = Partial<Pick<PlanStep, 'status' | 'attempts' | 'usedFallback' | 'summary' | 'error' | 'startedAt' | 'finishedAt' | 'durationMs'>>;

/** A lease held: `generation` is the fencing token, raised on every acquisition (ADR 0110). */
export interface LeaseGrant {
  name: string;
  holder: string;
  generation: number;
}

/** The writer no longer holds the lease it wrote under: someone else took it since. Nothing was written. */
export class LeaseLostError extends RipcordError {
  constructor(readonly lease: LeaseGrant) {
    super('conflict', `lease ${lease.name} (generation ${lease.generation}) is no longer held by ${lease.holder}: another server took the plan over`);
  }
}

/** What the executor needs from storage; store/kysely-rollback-repository.ts implements it for SQLite and PostgreSQL. */
export interface RollbackRepository {
  insertPlan(plan: RollbackPlan): Promise<void>;
  /** With `fence`, written only if the lease is still held with that generation, in the same transaction; else LeaseLostError. */
  updatePlan(id: string, patch: PlanPatch, fence?: LeaseGrant): Promise<void>;
  updateStep(planId: string, index: number, patch: StepPatch, fence?: LeaseGrant): Promise<void>;
  getPlan(id: string): Promise<RollbackPlan | undefined>;
  /** Newest first. */
  listPlans(filter: { service?: string | undefined; environment?: string | undefined; environments?: readonly string[] | undefined; statuses?: readonly PlanStatus[] | undefined; limit: number }): Promise<RollbackPlan[]>;
  /**
   * Takes the named lease for `holder` until `expiresAt` when it is free, expired or held by `holder`
   * (a restarted server under a stable id). Every acquisition raises the generation. Returns the
   * grant, or undefined when another holder has it. Atomic across processes and servers.
   */
  acquireLease(name: string, holder: string, now: string, expiresAt: string): Promise<LeaseGrant | undefined>;
  /** Extends the lease only if it is still held with the same generation; false when it was lost. */
  renewLease(lease: LeaseGrant, expiresAt: string): Promise<boolean>;
  /** Frees the lease (if still held with that generation); the row and its generation stay. */
  releaseLease(lease: LeaseGrant): Promise<void>;
  /** Who holds a lease now (for messages and tests). */
  leaseHolder(name: string, now: string): Promise<{ holder: string; generation: number; expiresAt: string } | undefined>;
}
