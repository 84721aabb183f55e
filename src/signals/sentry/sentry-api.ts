/**
 * The Sentry API calls the sentry signal makes, and only those (docs.sentry.io/api):
 * - GET /api/0/organizations/{org}/sessions/ — "Retrieve Release Health Session Statistics": `field`,
 *   `groupBy`, `query`, `project`, `environment`, `start`/`end`; answers `{ groups: [{ by, totals }] }`.
 * - GET /api/0/organizations/{org}/events/ — Discover: `field=count()`, `query=event.type:error release:…`;
 *   answers `{ data: [{ "count()": n }] }`.
 * Authenticated with an auth token (`Authorization: Bearer`). The tests run this same code against
 * fake-sentry-api.ts; only the base URL differs. Never throws: a failure is `{ error }` in words.
 */
export interface SentryApiOptions {
  /** Default https://sentry.io (self-hosted: its own URL). */
  baseUrl?: string | undefined;
  token: string;
  org: string;
  timeoutMs?: number | undefined;
}

export interface ReleaseHealth {
  sessions: number;
  /** Sessions that ended crashed or errored (handled errors): the unhealthy ones. */
  unhealthy: number;
  crashFreeSessions?: number | undefined;
  crashFreeUsers?: number | undefined;
}

interface SessionsResponse {
  groups?: { by: Record<string, string>; totals: Record<string, number | null> }[];
  detail?: string;
}

export class SentryApi {
  private readonly base: string;

  constructor(private readonly options: SentryApiOptions) {
    this.base = (options.baseUrl ?? 'https://sentry.io').replace(/\/$/, '');
  }

  private async get<T>(path: string, params: [string, string][]): Promise<T | { error: string }> {
    const url = `${this.base}/api/0/organizations/${encodeURIComponent(this.options.org)}/${path}/?${new URLSearchParams(params)}`;
    try {
      const response = await fetch(url, { headers: { authorization: `Bearer ${this.options.token}` }, signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000) });
      const body = (await response.json().catch(() => undefined)) as (T & { detail?: string }) | undefined;
      if (!response.ok) return { error: `Sentry answered ${response.status}${body?.detail ? `: ${body.detail}` : ''}` };
      if (!body) return { error: `Sentry answered ${response.status} without JSON` };
      return body;
    } catch (error) {
      const e = error as { name?: string; cause?: { code?: string }; message?: string };
      if (e.name === 'TimeoutError') return { error: `Sentry did not answer within ${this.options.timeoutMs ?? 5000}ms` };
      return { error: `Sentry unreachable: ${e.cause?.code ?? e.message}` };
    }
  }

  /** Release health per release over [start, end): session counts by status and crash-free rates. */
  async releaseHealth(filter: { project: string; environment?: string | undefined; releases: string[]; start: Date; end: Date }): Promise<{ releases: Record<string, ReleaseHealth> } | { error: string }> {
    const common: [string, string][] = [
      ['project', filter.project],
      ['start', filter.start.toISOString()],
      ['end', filter.end.toISOString()],
      ['interval', '1h'],
      ['query', filter.releases.map((r) => `release:"${r.replace(/"/g, '\\"')}"`).join(' OR ')],
      ...(filter.environment ? ([['environment', filter.environment]] as [string, string][]) : []),
    ];
    const [byStatus, rates] = await Promise.all([
      this.get<SessionsResponse>('sessions', [...common, ['field', 'sum(session)'], ['groupBy', 'release'], ['groupBy', 'session.status']]),
      this.get<SessionsResponse>('sessions', [...common, ['field', 'crash_free_rate(session)'], ['field', 'crash_free_rate(user)'], ['groupBy', 'release']]),
    ]);
    if ('error' in byStatus) return byStatus;
    if ('error' in rates) return rates;
    const health: Record<string, ReleaseHealth> = Object.fromEntries(filter.releases.map((r) => [r, { sessions: 0, unhealthy: 0 }]));
    for (const group of byStatus.groups ?? []) {
      const entry = health[group.by.release ?? ''];
      if (!entry) continue;
      const n = Number(group.totals['sum(session)'] ?? 0);
      entry.sessions += n;
      if (group.by['session.status'] === 'crashed' || group.by['session.status'] === 'errored') entry.unhealthy += n;
    }
    for (const group of rates.groups ?? []) {
      const entry = health[group.by.release ?? ''];
      if (!entry) continue;
      const session = group.totals['crash_free_rate(session)'];
      const user = group.totals['crash_free_rate(user)'];
      if (typeof session === 'number') entry.crashFreeSessions = session;
      if (typeof user === 'number') entry.crashFreeUsers = user;
    }
    return { releases: health };
  }

  /** Error events of one release over [start, end) (Discover `count()`). */
  async errorEvents(filter: { project: string; environment?: string | undefined; release: string; start: Date; end: Date }): Promise<number | { error: string }> {
    const body = await this.get<{ data?: { 'count()'?: number }[] }>('events', [
      ['project', filter.project],
      ['field', 'count()'],
      ['query', `event.type:error release:"${filter.release.replace(/"/g, '\\"')}"`],
      ['start', filter.start.toISOString()],
      ['end', filter.end.toISOString()],
      ...(filter.environment ? ([['environment', filter.environment]] as [string, string][]) : []),
    ]);
    if ('error' in body) return body;
    return Number(body.data?.[0]?.['count()'] ?? 0);
  }
}
