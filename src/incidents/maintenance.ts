/** Scheduled maintenance on the public status page: created by an operator, shown in advance. */
export interface Maintenance {
  id: string;
  service: string;
  title: string;
  /** What users will notice, in public words. */
  body: string;
  /** Public component names (incidents.status_page.components). */
  components: string[];
  scheduledFor: string;
  scheduledUntil: string;
  /** Set when an operator ends it early (or marks it done late). */
  completedAt?: string | undefined;
  createdBy: string;
  createdAt: string;
}

export type MaintenanceStatus = 'scheduled' | 'in_progress' | 'completed';

/** scheduled → in_progress → completed, from the window and the operator's completion. */
export function maintenanceStatus(m: Maintenance, now: Date): MaintenanceStatus {
  if (m.completedAt && Date.parse(m.completedAt) <= now.getTime()) return 'completed';
  const t = now.getTime();
  if (t < Date.parse(m.scheduledFor)) return 'scheduled';
  if (t < Date.parse(m.scheduledUntil)) return 'in_progress';
  return 'completed';
}

export interface MaintenanceRepository {
  insert(m: Maintenance): Promise<void>;
  list(service: string): Promise<Maintenance[]>;
  get(id: string): Promise<Maintenance | undefined>;
  complete(id: string, at: string): Promise<void>;
}
