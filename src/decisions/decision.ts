import type { Severity } from '../config/schema/fields.js';
import type { PolicyAction } from '../config/schema/policy-schema.js';

export type DecisionStatus = 'pending' | 'approved' | 'vetoed';

/** A recorded decision with everything it was made from, so anyone can check it later. */
export interface Decision {
  id: string;
  service: string;
  environment: string;
  releaseId?: string | undefined;
  severity: Severity;
  action: PolicyAction;
  /** ISO time to act by; undefined for "next deploy". */
  deadline?: string | undefined;
  /** `rollback` decisions are approved by policy at once; `rollback_after_approval` waits for a person. */
  status: DecisionStatus;
  approval?: string | undefined;
  explanation: string;
  /** The verdict, firing triggers with their numbers, and the impact: the decision's inputs. */
  inputs: Record<string, unknown>;
  madeAt: string;
  decidedBy?: string | undefined;
  decidedAt?: string | undefined;
  reason?: string | undefined;
}

/** Storage for decisions; implemented in src/store/. */
export interface DecisionRepository {
  insert(decision: Decision): Promise<void>;
  get(id: string): Promise<Decision | undefined>;
  /**
   * Sets the status only if it is still `pending` (or, for a veto, approved by policy alone and not by
   * a person); false otherwise. Atomic, so two operators cannot both settle one decision.
   */
  settle(id: string, status: 'approved' | 'vetoed', actor: string, at: string, reason?: string): Promise<boolean>;
  list(filter: { service?: string | undefined; environment?: string | undefined; environments?: readonly string[] | undefined; limit: number }): Promise<Decision[]>;
}
