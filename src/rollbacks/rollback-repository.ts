import type { PlanStatus, PlanStep, RollbackPlan } from './rollback-plan.js';

export type PlanPatch = Partial<Pick<RollbackPlan, 'status' | 'state' | 'startedAt' | 'finishedAt'>>;
export type StepPatch = Partial<Pick<PlanStep, 'status' | 'attempts' | 'usedFallback' | 'summary' | 'error' | 'startedAt' | 'finishedAt' | 'durationMs'>>;

/** What the executor needs from storage; store/kysely-rollback-repository.ts implements it for SQLite and PostgreSQL. */
export interface RollbackRepository {
  insertPlan(plan: RollbackPlan): Promise<void>;
  updatePlan(id: string, patch: PlanPatch): Promise<void>;
  updateStep(planId: string, index: number, patch: StepPatch): Promise<void>;
  getPlan(id: string): Promise<RollbackPlan | undefined>;
  /** Newest first. */
  listPlans(filter: { service?: string | undefined; environment?: string | undefined; environments?: readonly string[] | undefined; statuses?: readonly PlanStatus[] | undefined; limit: number }): Promise<RollbackPlan[]>;
  /**
   * Takes or renews the named lease for `holder` until `expiresAt` when it is free, expired or already
   * held by `holder`. Returns whether `holder` holds it now. Atomic across processes and servers.
   */
  acquireLease(name: string, holder: string, now: string, expiresAt: string): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
}
