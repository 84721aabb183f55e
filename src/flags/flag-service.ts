import { createHash } from 'node:crypto';
import { FlagdCore } from '@openfeature/flagd-core';
import type { AuditEntry } from '../core/audit.js';
import { type Clock, systemClock } from '../core/clock.js';
import { RipcordError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { newId } from '../core/ids.js';
import { EMPTY_FLAG_SET, type FlagChange, type FlagDefinition, type FlagRecord, type FlagSet, type FlagSetRecord, RIPCORD_VERSION_KEY } from './flag-definition.js';
import { FlagChangeFeed, type FlagChangeNotifier } from './flag-change-feed.js';
import type { FlagRepository } from './flag-repository.js';
import { type FlagProblem, flagDocumentProblems, flagdDocument, jsonPath } from './flag-validation.js';

export type EvaluationContext = Record<string, string | number | boolean | null | undefined | Record<string, unknown> | unknown[]>;

/**
 * One flag's evaluation, in OFREP's words. No `value` (a disabled flag, or flagd's null default
 * variant) tells the client to use its own default (OFREP ADR 0006).
 */
export type FlagEvaluation =
  | { key: string; value?: unknown; variant?: string; reason: string; metadata?: Record<string, string | number | boolean> }
  | { key: string; errorCode: 'FLAG_NOT_FOUND' | 'PARSE_ERROR' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'GENERAL'; errorDetails: string; metadata?: Record<string, string | number | boolean> };

/** A whole flagd document: its flags, `$evaluators` and flag-set `metadata`. */
export interface FlagDocument extends FlagSet {
  flags: Record<string, FlagDefinition>;
}

/** What one environment's evaluations are served from: its records and a flagd-core loaded with them. */
interface Snapshot {
  fingerprint: string;
  core: FlagdCore;
  records: Map<string, FlagRecord>;
  set: FlagSetRecord;
  /** Keys in bulk-answer order, sorted once per snapshot instead of per request. */
  keys: string[];
}

/**
 * One environment's place in the cache. `snapshot` is what evaluations read; `records` alone (no
 * snapshot yet) means changes were applied in memory and flagd-core is rebuilt on the next evaluation.
 * `generation` moves on every change, so a store read that started before a change cannot install
 * what it read after it.
 */
interface Slot {
  generation: number;
  snapshot?: Snapshot | undefined;
  records?: Map<string, FlagRecord> | undefined;
  set?: FlagSetRecord | undefined;
  loading?: Promise<Snapshot> | undefined;
}
/**
 * Flags per service and environment: versioned definitions with their history, the seed 003 kill
 * switch, and evaluation by flagd-core (no evaluator of our own).
 */
export class FlagService {
  /**
   * Evaluation is served from memory: the store is read once per environment, then every change
   * (made here, or received from another server) is applied to the records in memory.
   */
  private readonly slots = new Map<string, Slot>();
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

  /** A change made by another server: apply it to the snapshot, pass it to this server's streams. */
  async receive(changeId: string): Promise<void> {
    const change = await this.repository.change(changeId);
    if (!change) return;
    this.applyToSnapshot(change);
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
    const set = await this.flagSet(service, environment);
    refuse(flagDocumentProblems({ [key]: definition }, set, { flag: () => 'body', evaluators: '$evaluators' }), `flag ${key} is not a definition flagd can evaluate`);
    const [record] = await this.apply(service, environment, [[key, () => definition]], actor, reason, false);
    return record as FlagRecord;
  }

  /**
   * Several flags replaced in one transaction, all or none (`flags: restore`). Each must still
   * evaluate with the environment's current `$evaluators`.
   */
  async replaceAll(service: string, environment: string, definitions: Record<string, FlagDefinition>, actor: string, reason?: string): Promise<FlagRecord[]> {
    const set = await this.flagSet(service, environment);
    refuse(flagDocumentProblems(definitions, set, { flag: (key) => `flag ${key}`, evaluators: '$evaluators' }), `the flags to restore do not evaluate with ${environment}'s current $evaluators; nothing was changed`);
    return this.apply(service, environment, Object.entries(definitions).map(([key, definition]) => [key, () => definition] as const), actor, reason, false);
  }

  /** The environment's `$evaluators` and flag-set metadata (empty, version 0, until written). */
  async flagSet(service: string, environment: string): Promise<FlagSetRecord> {
    return (await this.repository.flagSet(service, environment)) ?? { service, environment, ...EMPTY_FLAG_SET, version: 0 };
  }

  /**
   * A whole flagd document (a flags file, or the API's PUT of one): its `$evaluators` and metadata
   * replace the environment's, its flags are created or replaced, all in one transaction. Flags of the
   * environment that the document does not name are left as they are, and must still evaluate with the
   * new `$evaluators`. `base` says where the document came from, for the paths in errors.
   */
  async putDocument(service: string, environment: string, document: FlagDocument, actor: string, reason?: string, base = 'body'): Promise<{ flags: FlagRecord[]; set: FlagSetRecord }> {
    const existing = await this.repository.list(service, environment);
    const others = Object.fromEntries(existing.filter((r) => !Object.hasOwn(document.flags, r.key)).map((r) => [r.key, r.definition]));
    const set: FlagSet = { evaluators: document.evaluators, metadata: document.metadata };
    const where = { flag: (key: string) => jsonPath(base, 'flags', key), evaluators: jsonPath(base, '$evaluators') };
    refuse(flagDocumentProblems(document.flags, set, where), 'the document has definitions flagd cannot evaluate; nothing was changed');
    refuse(
      flagDocumentProblems(others, set, { flag: (key) => `${environment} flag ${key}`, evaluators: where.evaluators }),
      `flags already in ${environment} would stop evaluating with these $evaluators; nothing was changed`,
    );
    const entries = Object.entries(document.flags).map(([key, definition]) => [key, () => definition] as const);
    const result = await this.apply(service, environment, entries, actor, reason, false, set);
    return { flags: result, set: await this.flagSet(service, environment) };
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
    const snapshot = this.ready(service, environment) ?? (await this.load(service, environment));
    return evaluateIn(snapshot, key, context);
  }

  /** Every flag of the environment, a fingerprint of the definitions for ETags, and the flag-set metadata. */
  async evaluateAll(service: string, environment: string, context: EvaluationContext = {}): Promise<{ flags: FlagEvaluation[]; fingerprint: string; metadata: FlagSet['metadata'] }> {
    const snapshot = this.ready(service, environment) ?? (await this.load(service, environment));
    const flags = snapshot.keys.map((key) => evaluateIn(snapshot, key, context));
    return { flags, fingerprint: snapshot.fingerprint, metadata: snapshot.set.metadata };
  }

  private async apply(
    service: string,
    environment: string,
    entries: readonly (readonly [string, (current: FlagDefinition | undefined) => FlagDefinition])[],
    actor: string,
    reason: string | undefined,
    mustExist: boolean,
    set?: FlagSet,
  ): Promise<FlagRecord[]> {
    const at = this.clock.now().toISOString();
    const changed: FlagChange[] = [];
    let setChanged = false;
    const results = await this.repository.transaction(async (repo) => {
      if (set) {
        const current = await repo.flagSet(service, environment);
        if (JSON.stringify({ e: current?.evaluators ?? {}, m: current?.metadata ?? {} }) !== JSON.stringify({ e: set.evaluators, m: set.metadata })) {
          const version = (current?.version ?? 0) + 1;
          const audit: AuditEntry = { id: newId('aud'), at, actor, action: 'flag_set.changed', target: `${service}/${environment}`, details: { version, evaluators: Object.keys(set.evaluators), reason } };
          await repo.saveFlagSet({ service, environment, evaluators: set.evaluators, metadata: set.metadata, version, updatedAt: at, updatedBy: actor }, audit);
          setChanged = true;
        }
      }
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
    // `$evaluators` or set metadata changed: every flag may evaluate differently; read it all again.
    if (setChanged) this.slots.delete(`${service}/${environment}`);
    for (const change of changed) {
      this.applyToSnapshot(change);
      this.feed.publish(change);
      await this.notifier?.notify(change);
      await this.events?.publish({ type: 'flag.changed', at, service, environment, key: change.key, enabled: change.definition.state === 'ENABLED', version: change.version, actor, reason });
    }
    return results;
  }

  /** The snapshot to evaluate with, without touching the store; undefined until it was read once. */
  private ready(service: string, environment: string): Snapshot | undefined {
    const slot = this.slots.get(`${service}/${environment}`);
    if (!slot) return undefined;
    if (slot.snapshot) return slot.snapshot;
    if (!slot.records || !slot.set) return undefined;
    slot.snapshot = buildSnapshot(slot.records, slot.set);
    slot.records = undefined;
    return slot.snapshot;
  }

  /** First evaluation in an environment: one store read, shared by every request that waits for it. */
  private load(service: string, environment: string): Promise<Snapshot> {
    const cacheKey = `${service}/${environment}`;
    let slot = this.slots.get(cacheKey);
    if (!slot) {
      slot = { generation: 0 };
      this.slots.set(cacheKey, slot);
    }
    if (slot.loading) return slot.loading;
    const current = slot;
    const generation = current.generation;
    const loading = Promise.all([this.repository.list(service, environment), this.flagSet(service, environment)]).then(
      ([records, set]) => {
        const snapshot = buildSnapshot(new Map(records.map((r) => [r.key, r])), set);
        if (current.loading === loading) current.loading = undefined;
        // A change committed while the store was read may be missing from `records`: keep this
        // answer for the requests already waiting, but let the next evaluation read again.
        if (current.generation === generation && !current.snapshot && !current.records) current.snapshot = snapshot;
        return snapshot;
      },
      (error: unknown) => {
        if (current.loading === loading) current.loading = undefined;
        throw error;
      },
    );
    current.loading = loading;
    return loading;
  }

  /**
   * A committed change, applied to the records in memory at once (the next evaluation sees it without
   * a store read); flagd-core is rebuilt on that evaluation.
   */
  private applyToSnapshot(change: FlagChange): void {
    const slot = this.slots.get(`${change.service}/${change.environment}`);
    if (!slot) return;
    slot.generation += 1;
    const records = slot.records ?? slot.snapshot?.records;
    const set = slot.set ?? slot.snapshot?.set;
    if (!records || !set) {
      // Still being read from the store: that read may predate the change, so the next one starts afresh.
      slot.loading = undefined;
      return;
    }
    const current = records.get(change.key);
    // Notifications from other servers may arrive out of order; a version never goes back.
    if (!current || current.version < change.version) {
      const next = new Map(records);
      next.set(change.key, { service: change.service, environment: change.environment, key: change.key, definition: change.definition, version: change.version, updatedAt: change.at, updatedBy: change.actor });
      slot.records = next;
      slot.set = set;
      slot.snapshot = undefined;
    }
    this.refresh(change.service, change.environment, slot);
  }

  /**
   * After a change, read the environment once more in the background: it also catches what was written
   * to the store without passing through a server (the CLI on the local store), as the per-change
   * reload did before evaluations were served from memory. A later change makes this read moot.
   */
  private refresh(service: string, environment: string, slot: Slot): void {
    const generation = slot.generation;
    Promise.all([this.repository.list(service, environment), this.flagSet(service, environment)]).then(
      ([records, stored]) => {
        const known = slot.records ?? slot.snapshot?.records;
        const set = slot.set ?? slot.snapshot?.set;
        if (slot.generation !== generation || !known || !set) return;
        // The flag set too: another server may have changed $evaluators or the set's metadata.
        if (versionsOf(records.values()) === versionsOf(known.values()) && stored.version === set.version) return;
        slot.records = new Map(records.map((r) => [r.key, r]));
        slot.set = stored;
        slot.snapshot = undefined;
      },
      // Evaluations keep the in-memory records; the next change reads again.
      () => undefined,
    );
  }
}

/** `key@version` of every flag in key order: equal strings, equal definitions. */
function versionsOf(records: Iterable<FlagRecord>): string {
  return [...records]
    .map((r) => `${r.key}@${r.version}`)
    .sort()
    .join(',');
}

function buildSnapshot(records: Map<string, FlagRecord>, set: FlagSetRecord): Snapshot {
  const keys = [...records.keys()].sort();
  const core = new FlagdCore(undefined, SILENT);
  const flags = Object.fromEntries(keys.map((key) => [key, (records.get(key) as FlagRecord).definition]));
  core.setConfigurations(JSON.stringify(flagdDocument(flags, set)));
  const fingerprint = createHash('sha256').update(`${versionsOf(records.values())};set@${set.version}`).digest('base64url').slice(0, 22);
  return { fingerprint, core, records, set, keys };
}

/** flagd-core logs every targeting miss at debug level: evaluations answer with the reason instead. */
const SILENT = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

/** The flag's metadata as flagd serves it (the set's, then the flag's own), plus ripcord's version unless the user has that key. */
function withVersion(metadata: Record<string, unknown>, version: number): Record<string, string | number | boolean> {
  const out = { ...(metadata as Record<string, string | number | boolean>) };
  if (!Object.hasOwn(out, RIPCORD_VERSION_KEY)) out[RIPCORD_VERSION_KEY] = version;
  return out;
}

const OFREP_ERROR_CODES = new Set(['PARSE_ERROR', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'FLAG_NOT_FOUND', 'GENERAL']);

/**
 * One flag as flagd's OFREP answers it: no type is asked for (OFREP has none), so the flag's own
 * evaluation is used rather than a typed resolve that could only add a type mismatch.
 */
function evaluateIn(snapshot: Snapshot, key: string, context: EvaluationContext): FlagEvaluation {
  const record = snapshot.records.get(key);
  const flag = record ? snapshot.core.getFlag(key) : undefined;
  if (!record || !flag) {
    const metadata = snapshot.set.metadata;
    return { key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `flag '${key}' not found`, ...(Object.keys(metadata).length > 0 ? { metadata } : {}) };
  }
  const metadata = withVersion(flag.metadata, record.version);
  if (flag.state === 'DISABLED') return { key, reason: 'DISABLED', metadata };
  const result = flag.evaluate(context as never, SILENT);
  if (result.errorCode) {
    const code = OFREP_ERROR_CODES.has(result.errorCode) ? result.errorCode : 'GENERAL';
    return { key, errorCode: code as 'GENERAL', errorDetails: result.errorMessage ?? result.errorCode, metadata };
  }
  return {
    key,
    ...(result.value !== undefined ? { value: result.value } : {}),
    ...(result.variant !== undefined ? { variant: result.variant } : {}),
    reason: result.reason ?? 'UNKNOWN',
    metadata,
  };
}

/** Problems found: refused with each one's path, nothing stored. */
function refuse(problems: FlagProblem[], summary: string): void {
  if (problems.length === 0) return;
  throw new RipcordError('invalid_input', `${summary}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, problems);
}
