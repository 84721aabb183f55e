import { z } from 'zod';
import { durationField, urlField } from '../../config/schema/fields.js';
import type { ArmBucket, Sample } from '../../detection/measurement.js';
import type { SignalReading, SignalSource, SignalSourceDefinition, SourceContext } from '../signal-source.js';
import { type ReleaseHealth, SentryApi } from './sentry-api.js';

/**
 * `signals.<name>.sentry`: release health of the watched release from Sentry (seeds 002–004 verify with
 * it): crash-free sessions and users, the share of unhealthy sessions, error events. Release names are
 * the ledger's versions (`release:` as the Sentry SDK reports it, with `release_prefix` in front).
 */
export const sentrySignalSchema = z.strictObject({
  sentry: z.strictObject({
    org: z.string().min(1),
    project: z.string().min(1),
    /** An auth token with `org:read` (use ${SENTRY_AUTH_TOKEN}). */
    token: z.string().min(1),
    url: urlField.optional(),
    environment: z.string().min(1).optional(),
    release_prefix: z.string().optional(),
  }),
  every: durationField.optional(),
});
type SentryConfig = z.output<typeof sentrySignalSchema>;

class SentrySource implements SignalSource {
  private last = Number.NEGATIVE_INFINITY;
  private counts: { canary: ReleaseHealth; baseline?: ReleaseHealth | undefined } | undefined;
  private readonly buckets: ArmBucket[] = [];
  private readonly api: SentryApi;

  constructor(private readonly config: SentryConfig) {
    this.api = new SentryApi({ baseUrl: config.sentry.url, token: config.sentry.token, org: config.sentry.org });
  }

  async read(context: SourceContext): Promise<SignalReading> {
    const { now } = context;
    if (now - this.last < (this.config.every ?? 60_000)) return {};
    this.last = now;
    const s = this.config.sentry;
    const name = (version: string) => `${s.release_prefix ?? ''}${version}`;
    const canary = name(context.release.version);
    const baseline = context.previous ? name(context.previous.version) : undefined;
    // Counts since the deploy (rounded down to the hour, as the sessions API rounds): cumulative, so deltas per read.
    const start = new Date(Math.floor(context.deployedAt / 3_600_000) * 3_600_000);
    const end = new Date(now);
    const [health, errors] = await Promise.all([
      this.api.releaseHealth({ project: s.project, environment: s.environment, releases: baseline ? [canary, baseline] : [canary], start, end }),
      this.api.errorEvents({ project: s.project, environment: s.environment, release: canary, start: new Date(context.deployedAt), end }),
    ]);
    if ('error' in health) {
      const failed: Sample = { at: now, error: health.error };
      return { samples: { error_rate: failed, crash_free_sessions: failed, crash_free_users: failed, sessions: failed, errors: failed } };
    }
    const c = health.releases[canary] as ReleaseHealth;
    const b = baseline ? health.releases[baseline] : undefined;
    const samples: Record<string, Sample> = {
      sessions: { at: now, value: c.sessions },
      errors: typeof errors === 'number' ? { at: now, value: errors } : { at: now, error: errors.error },
    };
    if (c.sessions > 0) samples.error_rate = { at: now, value: c.unhealthy / c.sessions, numerator: c.unhealthy, denominator: c.sessions };
    else samples.error_rate = { at: now, error: `no sessions of release ${canary} yet` };
    if (c.crashFreeSessions !== undefined) samples.crash_free_sessions = { at: now, value: c.crashFreeSessions, denominator: c.sessions };
    if (c.crashFreeUsers !== undefined) samples.crash_free_users = { at: now, value: c.crashFreeUsers };
    const baselineValues: Record<string, number> = {};
    if (b && b.sessions > 0) baselineValues.error_rate = b.unhealthy / b.sessions;
    if (b?.crashFreeSessions !== undefined) baselineValues.crash_free_sessions = b.crashFreeSessions;
    // Per-read deltas of the cumulative counts per release: what the canary judge compares.
    const last = this.counts;
    this.counts = { canary: c, baseline: b };
    if (last && b && last.baseline) {
      const delta = (x: number, y: number) => Math.max(0, x - y);
      this.buckets.push({
        at: now,
        canary: { total: delta(c.sessions, last.canary.sessions), errors: delta(c.unhealthy, last.canary.unhealthy), slow: 0 },
        baseline: { total: delta(b.sessions, last.baseline.sessions), errors: delta(b.unhealthy, last.baseline.unhealthy), slow: 0 },
      });
    }
    return { samples, baseline: baselineValues };
  }

  arms(): ArmBucket[] {
    return this.buckets;
  }
}

export const sentrySource: SignalSourceDefinition<SentryConfig, 'sentry'> = {
  kind: 'sentry',
  schema: sentrySignalSchema,
  description: "Sentry release health per release (crash-free sessions and users, unhealthy-session rate, error events), every 60 s by default",
  metrics: {
    error_rate: { unit: 'ratio', judged: 'errors' },
    crash_free_sessions: { unit: 'ratio' },
    crash_free_users: { unit: 'ratio' },
    sessions: { unit: 'count' },
    errors: { unit: 'count' },
  },
  create: (_name, config) => new SentrySource(config),
};
