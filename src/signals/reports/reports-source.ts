import { z } from 'zod';
import type { SignalReading, SignalSource, SignalSourceDefinition, SourceContext, SourceDeps } from '../signal-source.js';

/** User bug reports posted to `POST /api/v1/reports`. */
export const reportsSignalSchema = z.strictObject({
  reports: z.union([z.literal(true), z.strictObject({})]),
});
type ReportsConfig = z.output<typeof reportsSignalSchema>;

/** Reports older than this are not re-read: the longest default window is an hour. */
const KEEP_MS = 2 * 3_600_000;

class ReportsSource implements SignalSource {
  constructor(private readonly deps: SourceDeps) {}

  async read(context: SourceContext): Promise<SignalReading> {
    try {
      const reports = await this.deps.reports.since(context.service, context.environment, new Date(context.now - KEEP_MS).toISOString());
      return { series: { count: reports.map((r) => ({ at: Date.parse(r.reportedAt), value: 1 })) } };
    } catch (error) {
      return { samples: { count: { at: context.now, error: `bug reports unreadable: ${(error as Error).message}` } } };
    }
  }
}

export const reportsSource: SignalSourceDefinition<ReportsConfig, 'reports'> = {
  kind: 'reports',
  schema: reportsSignalSchema,
  description: 'user bug reports posted to POST /api/v1/reports',
  metrics: { count: { unit: 'count' } },
  create: (_name, _config, deps) => new ReportsSource(deps),
};
