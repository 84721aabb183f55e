import type { AuditEntry } from '../core/audit.js';
import type { FlagChange, FlagRecord, FlagSetRecord, ReleaseFlagSnapshot } from './flag-definition.js';

/** What the flag service needs from storage; store/kysely-flag-repository.ts implements it. */
export interface FlagRepository {
  /** Runs `work` atomically: a kill switch of several flags lands whole or not at all. */
  transaction<T>(work: (repository: FlagRepository) => Promise<T>): Promise<T>;
  list(service: string, environment: string): Promise<FlagRecord[]>;
  get(service: string, environment: string, key: string): Promise<FlagRecord | undefined>;
  /** Insert or replace the current definition and append the change to the history. */
  save(record: FlagRecord, change: FlagChange, audit: AuditEntry): Promise<void>;
  history(service: string, environment: string, key: string, limit: number): Promise<FlagChange[]>;
  /** Changes of an environment made after the change `afterId` (ids sort by time), oldest first: SSE resume. */
  changesSince(service: string, environment: string, afterId: string, limit: number): Promise<FlagChange[]>;
  /** The environment's `$evaluators` and set metadata; undefined when never written. */
  flagSet(service: string, environment: string): Promise<FlagSetRecord | undefined>;
  /** Insert or replace the flag set (optimistic on `version - 1`, like `save`). */
  saveFlagSet(record: FlagSetRecord, audit: AuditEntry): Promise<void>;
  saveReleaseSnapshot(snapshot: ReleaseFlagSnapshot): Promise<void>;
  releaseSnapshot(releaseId: string): Promise<ReleaseFlagSnapshot | undefined>;
  /** One version of a flag, from its history. */
  changeAt(service: string, environment: string, key: string, version: number): Promise<FlagChange | undefined>;
  change(id: string): Promise<FlagChange | undefined>;
  latestChangeId(service: string, environment: string): Promise<string | undefined>;
}
