import { RipcordError } from '../core/errors.js';
import type { Provider, StepRequest, StepResult } from '../providers/provider.js';
import { assertKnownAction } from '../providers/provider-support.js';

const ACTIONS = ['health', 'sql', 'budget', 'observe'] as const;

/** What verification reads from the watcher: its verdict and newest signal values for an environment. */
export interface VerificationSignals {
  verdict(service: string, environment: string): { releaseId?: string | undefined; verdict: 'healthy' | 'unhealthy' | 'inconclusive'; explanation: string; signals: Record<string, { value?: number | undefined; error?: string | undefined }> } | undefined;
}

/** Runs an integrity query against the service's database; null when no database is configured. */
export type SqlProbe = (sql: string, signal: AbortSignal) => Promise<number>;

export interface VerificationDeps {
  signals?: VerificationSignals | undefined;
  sql?: SqlProbe | undefined;
  /** Injected for tests; defaults to real timers. */
  sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
}

/**
 * Verification as a provider (`verify`), so its steps are timed, retried and recorded like any other:
 * health probes over HTTP, an integrity query compared with the pre-release snapshot, a performance
 * budget read from the signals, and an observation window during which the watcher must stay healthy.
 */
export class VerificationProvider implements Provider {
  readonly kind = 'verify';
  readonly actions = ACTIONS;

  constructor(private readonly deps: VerificationDeps = {}) {}

  describe(request: Omit<StepRequest, 'signal' | 'log'>): string {
    assertKnownAction(this.kind, this.actions, request.action);
    const p = request.params;
    switch (request.action) {
      case 'health':
        return `probe ${(p.urls as string[]).join(', ')}: each must answer 2xx`;
      case 'sql':
        return `run \`${p.sql}\` and expect ${p.expect}`;
      case 'budget':
        return `read ${p.signal} from the signals and expect it below ${p.below}`;
      default:
        return `watch the signals for ${Math.round(Number(p.windowMs) / 1000)}s; the verdict must not turn unhealthy`;
    }
  }

  async perform(request: StepRequest): Promise<StepResult> {
    assertKnownAction(this.kind, this.actions, request.action);
    switch (request.action) {
      case 'health':
        return this.health(request.params.urls as string[], request.signal);
      case 'sql':
        return this.sql(request);
      case 'budget':
        return this.budget(request);
      default:
        return this.observe(request);
    }
  }

  private async health(urls: string[], signal: AbortSignal): Promise<StepResult> {
    const results: string[] = [];
    for (const url of urls) {
      let status: number;
      try {
        const response = await fetch(url, { signal });
        await response.arrayBuffer();
        status = response.status;
      } catch (error) {
        throw new RipcordError('unavailable', `health probe ${url} failed: ${(error as Error).message}`);
      }
      if (status < 200 || status >= 300) throw new RipcordError('unavailable', `health probe ${url} answered ${status}, expected 2xx`);
      results.push(`${url} ${status}`);
    }
    return { summary: `healthy: ${results.join(', ')}` };
  }

  private async sql(request: StepRequest): Promise<StepResult> {
    if (!this.deps.sql) throw new RipcordError('config_invalid', `an sql verification needs environments.${request.release.environment}.database`);
    const text = String(request.params.sql);
    const expect = String(request.params.expect);
    const match = /^(>=|<=|==|>|<)\s*(snapshot|\d+(?:\.\d+)?)$/.exec(expect);
    if (!match) throw new RipcordError('invalid_input', `expect "${expect}" is not a comparison like ">= snapshot"`);
    const [, op, rhs] = match as unknown as [string, string, string];
    const value = await this.deps.sql(text, request.signal);
    const reference = rhs === 'snapshot' ? snapshotValue(request, text) : Number(rhs);
    if (reference === undefined) {
      throw new RipcordError('unavailable', `no pre-release snapshot value for \`${text}\`: take a database backup with row counts before the release`);
    }
    if (!compare(value, op, reference)) throw new RipcordError('unavailable', `\`${text}\` returned ${value}; expected ${op} ${reference}${rhs === 'snapshot' ? ' (pre-release snapshot)' : ''}`);
    return { summary: `\`${text}\` = ${value} (${op} ${reference}${rhs === 'snapshot' ? ', pre-release snapshot' : ''})`, details: { value, reference } };
  }

  private async budget(request: StepRequest): Promise<StepResult> {
    const name = String(request.params.signal);
    const below = Number(request.params.below);
    const watch = this.deps.signals?.verdict(request.release.service, request.release.environment);
    const reading = watch?.signals[name];
    if (reading?.value === undefined) {
      throw new RipcordError('unavailable', `no value for ${name} yet${reading?.error ? ` (${reading.error})` : ''}: the budget cannot be checked`);
    }
    if (reading.value >= below) throw new RipcordError('unavailable', `${name} is ${reading.value}, over the budget of ${below}`);
    return { summary: `${name} = ${reading.value}, below ${below}`, details: { value: reading.value, below } };
  }

  private async observe(request: StepRequest): Promise<StepResult> {
    const windowMs = Number(request.params.windowMs);
    const sleep = this.deps.sleep ?? abortableSleep;
    const tick = Math.max(10, Math.min(1000, windowMs / 10));
    for (let waited = 0; waited < windowMs; waited += tick) {
      await sleep(Math.min(tick, windowMs - waited), request.signal);
      const watch = this.deps.signals?.verdict(request.release.service, request.release.environment);
      // Only a verdict about the release now serving counts; the one just rolled back may still read unhealthy.
      if (watch?.verdict === 'unhealthy' && (watch.releaseId === undefined || watch.releaseId === request.release.id)) throw new RipcordError('unavailable', `turned unhealthy during the observation window: ${watch.explanation}`);
    }
    const watch = this.deps.signals?.verdict(request.release.service, request.release.environment);
    const seconds = Math.round(windowMs / 1000);
    // Recovery is proved by a healthy verdict about the restored release; "cannot judge" proves nothing.
    if (watch && watch.releaseId !== undefined && watch.releaseId !== request.release.id) {
      throw new RipcordError('unavailable', `observed ${seconds}s but the watcher has not judged ${request.release.version} yet, so recovery is not proved`);
    }
    if (watch && watch.verdict !== 'healthy') {
      throw new RipcordError('unavailable', `observed ${seconds}s but the verdict is ${watch.verdict}, so recovery is not proved: ${watch.explanation}`);
    }
    return { summary: `observed ${seconds}s: ${watch ? `${watch.verdict} (${watch.explanation})` : 'no signals configured'}` };
  }
}

function snapshotValue(request: StepRequest, sql: string): number | undefined {
  // The database backup records row counts of named tables (postgres provider); match by the table in the query.
  const table = /from\s+"?([\w.]+)"?/i.exec(sql)?.[1];
  for (const snapshot of [...(request.release.snapshots ?? []), ...(request.target?.snapshots ?? [])]) {
    const counts = (snapshot.details?.rowCounts ?? snapshot.details?.row_counts) as Record<string, number> | undefined;
    if (counts && table && typeof counts[table] === 'number') return counts[table];
  }
  return undefined;
}

function compare(value: number, op: string, reference: number): boolean {
  switch (op) {
    case '>=':
      return value >= reference;
    case '<=':
      return value <= reference;
    case '==':
      return value === reference;
    case '>':
      return value > reference;
    default:
      return value < reference;
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
