import type { LogEvent } from 'kysely';
import { describeStoreFault, isStoreUnavailable } from './store-unavailable.js';

/** A write that failed this recently keeps `/readyz` at 503, even if a small probe write gets through. */
export const WRITE_FAILURE_WINDOW_MS = 10_000;

const WRITES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);

/**
 * What the store's own queries say about it: every query goes through Kysely's `log` hook, so a write
 * that fails for want of disk or connection is seen wherever it happened (ingest rollups, a step log,
 * an audit row), not only by `/readyz`'s probe.
 */
export class StoreHealth {
  private lastWriteFailureAt = 0;
  private lastFailure: string | undefined;
  /** Store queries that failed because the store was away, since start (a counter for metrics and tests). */
  failures = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Kysely's `log` option. */
  readonly observe = (event: LogEvent): void => {
    if (event.level !== 'error' || !isStoreUnavailable(event.error)) return;
    this.failures += 1;
    this.lastFailure = describeStoreFault(event.error);
    if (WRITES.has(event.query.query.kind)) this.lastWriteFailureAt = this.now();
  };

  noteWriteFailure(error: unknown): void {
    this.failures += 1;
    this.lastFailure = describeStoreFault(error);
    this.lastWriteFailureAt = this.now();
  }

  /** Why writes are failing now, or undefined when none failed within the window. */
  writeFault(): string | undefined {
    if (!this.lastWriteFailureAt || this.now() - this.lastWriteFailureAt > WRITE_FAILURE_WINDOW_MS) return undefined;
    return `a write failed ${Math.round((this.now() - this.lastWriteFailureAt) / 1000)}s ago: ${this.lastFailure}`;
  }
}
