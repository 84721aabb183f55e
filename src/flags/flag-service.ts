import { createHash } from 'node:crypto';
import { FlagdCore } from '@openfeature/flagd-core';
import type { AuditEntry } from '../core/audit.js';
import { type Clock, systemClock } from '../core/clock.js';
import { RipcordError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { newId } from '../core/ids.js';
import type { FlagChange, FlagDefinition, FlagRecord } from './flag-definition.js';
import { FlagChangeFeed, type FlagChangeNotifier } from './flag-change-feed.js';
import type { FlagRepository } from './flag-repository.js';

export type EvaluationContext = Record<string, string | number | boolean | null | undefined | Record<string, unknown> | unknown[]>;

/** One flag's evaluation, in OFREP's words. A disabled flag succeeds with reason DISABLED and no value. */
export type FlagEvaluation =
  | { key: string; value?: unknown; variant?: string; reason: string; metadata?: Record<string, unknown> }
  | { key: string; errorCode: 'FLAG_NOT_FOUND' | 'PARSE_ERROR' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'GENERAL'; errorDetails: string };

interface EvaluatorEntry {
  fingerprint: string;
  core: FlagdCore;
  records: Map<string, FlagRecord>;
}

/**
 * Flags per service and environment: versioned definitions with their history, the seed 003 kill
 * switch, and evaluation by flagd-core (no evaluator of our own).
 */
export class FlagService {
  private readonly evaluators = new Map<string, EvaluatorEntry>();
  /** Every committed change, for the SSE stream; fed by this server and by the others through `receive`. */
  readonly feed = new FlagChangeFeed();
  private notifier: FlagChangeNotifier | undefined;

  constructor(
    private readonly repository: FlagRepository,
    private readonly clock: Clock = systemClock,
    private readonly events?: EventBus,
  ) {}

  /** With several servers on one PostgreSQL: tell the others about each change. */
  useNotifier(notifier: FlagChangeNotifier): void {
    this.notifier = notifier;
  }

  /** A change made by another server: drop the cached evaluator, pass it to this server's streams. */
  async receive(changeId: string): Promise<void> {
    const change = await this.repository.change(changeId);
    if (!change) return;
    this.evaluators.delete(`${change.service}/${change.environment}`);
    this.feed.publish(change);
  }

  latestChangeId(service: string, environment: string): Promise<string | undefined> {
    return this.repository.latestChangeId(service, environment);
  }

  changesSince(service: string, environment: string, afterId: string): Promise<FlagChange[]> {
    return this.repository.changesSince(service, environment, afterId, 1000);
  }

  list(service: string, environment: string): Promise<FlagRecord[]> {
    return this.repository.list(service, environment);
  }

  async get(service: string, environment: string, key: string): Promise<FlagRecord> {
    const record = await this.repository.get(service, environment, key);
    if (!record) throw new RipcordError('not_found', `flag ${key} does not exist in ${service}/${environment}`);
    return record;
  }

  history(service: string, environment: string, key: string, limit = 50): Promise<FlagChange[]> {
    return this.repository.history(service, environment, key, limit);
  }

  /** Create or replace a flag's definition. An identical definition is not a new version. */
  async put(service: string, environment: string, key: string, definition: FlagDefinition, actor: string, reason?: string): Promise<FlagRecord> {
    validateWithFlagd(key, definition);
    const [record] = await this.apply(service, environment, [[key, () => definition]], actor, reason, false);
    return record as FlagRecord;
  }

  /**
   * The kill switch: `{ splitViewLayout: { enabled: false }, aiSummarization: { enabled: false } }`.
   * All flags change in one transaction, or none (an unknown key refuses the whole request).
   */
  async setEnabled(service: string, environment: string, changes: Record<string, { enabled: boolean }>, actor: string, reason?: string): Promise<FlagRecord[]> {
    const entries = Object.entries(changes).map(
      ([key, change]) => [key, (current: FlagDefinition | undefined) => ({ ...(current as FlagDefinition), state: change.enabled ? 'ENABLED' : 'DISABLED' }) as FlagDefinition] as const,
    );
    return this.apply(service, environment, entries, actor, reason, true);
  }

  /** Evaluate one flag for a context, as OFREP answers it. */
  async evaluate(service: string, environment: string, key: string, context: EvaluationContext = {}): Promise<FlagEvaluation> {
    const evaluator = await this.evaluator(service, environment);
    return evaluateIn(evaluator, key, context);
  }

  /** Every flag of the environment, and a fingerprint of the definitions for ETags. */
  async evaluateAll(service: string, environment: string, context: EvaluationContext = {}): Promise<{ flags: FlagEvaluation[]; fingerprint: string }> {
    const evaluator = await this.evaluator(service, environment);
    const flags = [...evaluator.records.keys()].sort().map((key) => evaluateIn(evaluator, key, context));
    return { flags, fingerprint: evaluator.fingerprint };
  }

  private async apply(
    service: string,
    environment: string,
    entries: readonly (readonly [string, (current: FlagDefinition | undefined) => FlagDefinition])[],
    actor: string,
    reason: string | undefined,
    mustExist: boolean,
  ): Promise<FlagRecord[]> {
    const at = this.clock.now().toISOString();
    const changed: FlagChange[] = [];
    const results = await this.repository.transaction(async (repo) => {
      const out: FlagRecord[] = [];
      for (const [key, update] of entries) {
        const current = await repo.get(service, environment, key);
        if (!current && mustExist) throw new RipcordError('not_found', `flag ${key} does not exist in ${service}/${environment}; nothing was changed`, [{ path: `body.${key}`, message: 'unknown flag' }]);
        const definition = update(current?.definition);
        if (current && JSON.stringify(current.definition) === JSON.stringify(definition)) {
          out.push(current);
          continue;
        }
        const record: FlagRecord = { service, environment, key, definition, version: (current?.version ?? 0) + 1, updatedAt: at, updatedBy: actor };
        const change: FlagChange = { id: newId('flg'), service, environment, key, version: record.version, definition, actor, reason, at };
        const audit: AuditEntry = { id: newId('aud'), at, actor, action: 'flag.changed', target: `${service}/${environment}/${key}`, details: { version: record.version, state: definition.state, reason } };
        await repo.save(record, change, audit);
        out.push(record);
        changed.push(change);
      }
      return out;
    });
    this.evaluators.delete(`${service}/${environment}`);
    for (const change of changed) {
      this.feed.publish(change);
      await this.notifier?.notify(change);
      await this.events?.publish({ type: 'flag.changed', at, service, environment, key: change.key, enabled: change.definition.state === 'ENABLED', version: change.version, actor, reason });
    }
    return results;
  }

  private async evaluator(service: string, environment: string): Promise<EvaluatorEntry> {
    const cacheKey = `${service}/${environment}`;
    const cached = this.evaluators.get(cacheKey);
    if (cached) return cached;
    const records = await this.repository.list(service, environment);
    const core = new FlagdCore();
    core.setConfigurations(JSON.stringify({ flags: Object.fromEntries(records.map((r) => [r.key, r.definition])) }));
    const fingerprint = createHash('sha256')
      .update(records.map((r) => `${r.key}@${r.version}`).join(','))
      .digest('base64url')
      .slice(0, 22);
    const entry = { fingerprint, core, records: new Map(records.map((r) => [r.key, r])) };
    this.evaluators.set(cacheKey, entry);
    return entry;
  }
}

function evaluateIn(evaluator: EvaluatorEntry, key: string, context: EvaluationContext): FlagEvaluation {
  const record = evaluator.records.get(key);
  if (!record) return { key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `flag ${key} was not found` };
  if (record.definition.state === 'DISABLED') return { key, reason: 'DISABLED', metadata: { version: record.version } };
  const defaultValue = record.definition.variants[record.definition.defaultVariant];
  const ctx = context as Parameters<FlagdCore['resolveBooleanEvaluation']>[2];
  const result =
    typeof defaultValue === 'boolean'
      ? evaluator.core.resolveBooleanEvaluation(key, defaultValue, ctx)
      : typeof defaultValue === 'string'
        ? evaluator.core.resolveStringEvaluation(key, defaultValue, ctx)
        : typeof defaultValue === 'number'
          ? evaluator.core.resolveNumberEvaluation(key, defaultValue, ctx)
          : evaluator.core.resolveObjectEvaluation(key, defaultValue as never, ctx);
  if (result.errorCode) {
    const code = ['PARSE_ERROR', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'FLAG_NOT_FOUND'].includes(result.errorCode) ? result.errorCode : 'GENERAL';
    return { key, errorCode: code as 'GENERAL', errorDetails: result.errorMessage ?? result.errorCode };
  }
  return { key, value: result.value, variant: result.variant, reason: result.reason ?? 'UNKNOWN', metadata: { ...(result.flagMetadata ?? {}), version: record.version } };
}

/** flagd-core must accept the definition (its JSON schema and targeting rules), or nothing is stored. */
function validateWithFlagd(key: string, definition: FlagDefinition): void {
  try {
    new FlagdCore().setConfigurations(JSON.stringify({ flags: { [key]: definition } }));
  } catch (error) {
    throw new RipcordError('invalid_input', `flag ${key} is not a valid flagd definition: ${(error as Error).message}`, [{ path: `body`, message: (error as Error).message }]);
  }
}
