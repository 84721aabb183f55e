export const STEP_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const PLAN_STATUSES = ['pending', 'running', 'succeeded', 'failed'] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

/** Which provider performs an action, and with what. `provider` names a slot of the environment's provider set. */
export interface StepAction {
  provider: string;
  action: string;
  params: Record<string, unknown>;
}

export interface StepDefinition extends StepAction {
  timeoutMs: number;
  retries: number;
  /** Runs when the step itself fails after its retries ("traffic switch fails → redeploy previous version"). */
  fallback?: StepAction | undefined;
}

/** One step of a plan, as recorded: what it does and what happened when it ran. */
export interface PlanStep {
  index: number;
  phase: 'rollback' | 'verify';
  name: string;
  definition: StepDefinition;
  status: StepStatus;
  attempts: number;
  usedFallback: boolean;
  summary?: string | undefined;
  error?: string | undefined;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
  durationMs?: number | undefined;
}

export interface RollbackPlan {
  id: string;
  service: string;
  environment: string;
  /** The release being undone (what serves now). */
  releaseId?: string | undefined;
  /** Where the rollback goes: the last known good release. */
  targetReleaseId?: string | undefined;
  reason: string;
  actor: string;
  severity?: string | undefined;
  status: PlanStatus;
  /** The environment's state in words once the plan finished. */
  state?: string | undefined;
  createdAt: string;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
  steps: PlanStep[];
}

/** Idempotency key of one step of one plan: stable across retries and restarts. */
export const stepKey = (planId: string, index: number, fallback = false): string => `${planId}:${index}${fallback ? ':fallback' : ''}`;
