import type { Severity } from '../config/schema/fields.js';

/** The lifecycle every incident walks through, in order. */
export const INCIDENT_STATUSES = ['detected', 'acknowledged', 'mitigating', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const MILESTONES = ['started', 'detected', 'acknowledged', 'mitigated', 'resolved'] as const;
export type Milestone = (typeof MILESTONES)[number];

export interface TimelineEntry {
  at: string;
  kind: string;
  text: string;
  actor: string;
}

export interface PhaseItem {
  phase: string;
  item: string;
  /** Minutes after detection by which the item should be done (the seeds' time boxes). */
  dueMinutes: number;
  doneAt?: string | undefined;
  doneBy?: string | undefined;
}

export interface Incident {
  id: string;
  service: string;
  environment: string;
  releaseId?: string | undefined;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  commander?: string | undefined;
  affected: string[];
  impact: { usersAffectedPercent?: number | undefined; errorRate?: number | undefined; dataLoss?: boolean | undefined };
  milestones: Partial<Record<Milestone, string>>;
  timeline: TimelineEntry[];
  checklist: PhaseItem[];
  actionItems: { id: number; text: string; owner?: string | undefined; done: boolean }[];
  /** Written by a person; reports mark it "to be written" until then. */
  rootCause?: string | undefined;
  /** When the last periodic update went out (seed 003: every 5 minutes). */
  lastUpdateAt?: string | undefined;
  rollbacks: { planId: string; startedAt: string; reason: string; outcome?: 'succeeded' | 'failed' | undefined; durationMs?: number | undefined; unnecessary?: boolean | undefined }[];
}

/** The seeds' response phases (seed 000/003): detection 0–5 min, communication 5–10, diagnosis 10–30, resolution 30–60, recovery 1–2 h. */
export function defaultChecklist(): PhaseItem[] {
  return [
    { phase: 'detection', item: 'alert received', dueMinutes: 5 },
    { phase: 'communication', item: 'stakeholders notified', dueMinutes: 10 },
    { phase: 'diagnosis', item: 'cause identified', dueMinutes: 30 },
    { phase: 'resolution', item: 'rollback initiated', dueMinutes: 60 },
    { phase: 'recovery', item: 'verification performed', dueMinutes: 120 },
  ];
}

/** Checklist items not done past their time box, measured from detection. */
export function overdueItems(incident: Incident, now: Date): PhaseItem[] {
  const detected = incident.milestones.detected;
  if (!detected) return [];
  const elapsedMin = (now.getTime() - Date.parse(detected)) / 60_000;
  return incident.checklist.filter((item) => !item.doneAt && elapsedMin > item.dueMinutes);
}
