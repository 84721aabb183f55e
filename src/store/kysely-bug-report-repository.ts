import type { Kysely } from 'kysely';
import type { BugReport, BugReportRepository } from '../signals/bug-reports.js';
import type { Database } from './schema.js';

export class KyselyBugReportRepository implements BugReportRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(r: BugReport): Promise<void> {
    await this.db
      .insertInto('bug_reports')
      .values({ id: r.id, service: r.service, environment: r.environment, title: r.title, severity: r.severity ?? null, reporter: r.reporter ?? null, reported_at: r.reportedAt })
      .execute();
  }

  async since(service: string, environment: string, from: string): Promise<BugReport[]> {
    const rows = await this.db
      .selectFrom('bug_reports')
      .selectAll()
      .where('service', '=', service)
      .where('environment', '=', environment)
      .where('reported_at', '>=', from)
      .orderBy('reported_at')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      service: row.service,
      environment: row.environment,
      title: row.title,
      severity: row.severity ?? undefined,
      reporter: row.reporter ?? undefined,
      reportedAt: row.reported_at,
    }));
  }
}
