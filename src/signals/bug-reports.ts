/** A user-reported bug (`POST /api/v1/reports`): the seeds' "user-reported critical bugs > 10 in 1 hour". */
export interface BugReport {
  id: string;
  service: string;
  environment: string;
  title: string;
  severity?: string | undefined;
  reporter?: string | undefined;
  /** ISO time. */
  reportedAt: string;
}

export interface BugReportRepository {
  insert(report: BugReport): Promise<void>;
  /** Reports at or after `from` (ISO), oldest first. */
  since(service: string, environment: string, from: string): Promise<BugReport[]>;
}
