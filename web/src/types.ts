/** The API's answers, as far as the dashboard reads them (docs/api.md has the full shapes). */
export interface Release {
  id: string;
  service: string;
  environment: string;
  version: string;
  status: string;
  deployedAt: string;
  deployedBy?: string;
  stable?: boolean;
}

export interface Verdict {
  state: 'healthy' | 'unhealthy' | 'inconclusive';
  explanation: string;
  updatedAt: string;
  decisionId?: string;
}

export interface EnvironmentStatus {
  service: string;
  environment: string;
  current?: Release;
  lastKnownGood?: Release;
  verdict?: Verdict;
}

export interface TriggerResult {
  trigger: string;
  kind: string;
  severity: string;
  state: string;
  explanation: string;
  values: Record<string, number | string>;
}

export interface Decision {
  id: string;
  environment: string;
  releaseId?: string;
  severity: string;
  action: string;
  status: string;
  approval?: string;
  explanation: string;
  deadline?: string;
  madeAt: string;
  decidedBy?: string;
  reason?: string;
}

export interface Watch {
  releaseId: string;
  version: string;
  verdict: Verdict['state'];
  explanation: string;
  triggers: TriggerResult[];
  signals: Record<string, { at: string; value?: number; error?: string }>;
  decision?: Decision;
  updatedAt: string;
}

export interface PlanStep {
  index: number;
  phase: 'rollback' | 'verify';
  name: string;
  definition: { provider: string; action: string; timeoutMs: number; retries: number };
  status: string;
  attempts: number;
  summary?: string;
  error?: string;
  durationMs?: number;
}

export interface Plan {
  id: string;
  environment: string;
  releaseId?: string;
  targetReleaseId?: string;
  reason: string;
  actor: string;
  status: string;
  state?: string;
  createdAt: string;
  finishedAt?: string;
  steps: PlanStep[];
}

export interface PreparedRollback {
  plan: Plan;
  target: { id: string; version: string };
  release: { id: string; version: string };
  descriptions: string[];
}

export interface Flag {
  key: string;
  version: number;
  updatedAt: string;
  updatedBy: string;
  definition: { state: 'ENABLED' | 'DISABLED'; defaultVariant?: string; variants?: Record<string, unknown> };
}

export interface FlagChange {
  version: number;
  actor: string;
  reason?: string;
  at: string;
  definition: Flag['definition'];
}

export interface Incident {
  id: string;
  environment: string;
  title: string;
  severity: string;
  status: string;
  commander?: string;
  milestones: Record<string, string>;
  timeline: { at: string; kind: string; text: string; actor: string }[];
  checklist: { phase: string; item: string; dueMinutes: number; doneAt?: string; doneBy?: string }[];
  actionItems: { id: number; text: string; owner?: string; done: boolean }[];
}

export interface MetricLine {
  name: string;
  value: number | null;
  unit: 'ms' | 'ratio' | 'count';
  target: number | null;
  meetsTarget: boolean | null;
  samples: number;
}

export interface Me {
  name: string;
  role: string;
  environments?: string[];
}
