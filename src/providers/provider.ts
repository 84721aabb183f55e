import type { SnapshotInput } from '../deployments/ledger.js';
import type { Release, Snapshot } from '../deployments/release.js';

/** The release a step acts on, as providers see it: what identifies and undoes it, not its standing. */
export type ReleaseRef = Pick<Release, 'id' | 'service' | 'environment' | 'version' | 'commit' | 'providerDeploymentId' | 'artifact'> & {
  snapshots: Snapshot[];
};

export interface StepRequest {
  /** One of the provider's `actions`, e.g. `switch` for the router, `restore` for postgres. */
  action: string;
  /** The step's own settings from ripcord.yaml (already validated). */
  params: Record<string, unknown>;
  /** The release being undone (or deployed). */
  release: ReleaseRef;
  /** Where a rollback goes: the last known good release. */
  target?: ReleaseRef | undefined;
  /**
   * Stable for one step of one plan, across retries and restarts. A provider that has already done
   * the work for this key must answer with the same result and do nothing again.
   */
  idempotencyKey: string;
  signal: AbortSignal;
  log(message: string, data?: Record<string, unknown>): void;
}

export interface StepResult {
  /** One line for the step log and the timeline: "switched 100% of traffic to v1.2.3 (blue)". */
  summary: string;
  details?: Record<string, unknown> | undefined;
  /** Safeguards taken by this step, to record on the release (backups, config snapshots, tags). */
  snapshots?: SnapshotInput[] | undefined;
  /** For data-losing actions: how much recent data the action discards, in ms (RPO actually paid). */
  dataLossWindowMs?: number | undefined;
}

/**
 * One platform ripcord acts on. Providers are small: timeouts, retries, logging and metrics are added
 * around them by the executor, so a provider only speaks its platform's API.
 */
export interface Provider {
  readonly kind: string;
  /** The actions this provider performs as plan steps. */
  readonly actions: readonly string[];
  /** What `perform` would do, in words, without doing it (`ripcord rollback --dry-run`). */
  describe(request: Omit<StepRequest, 'signal' | 'log'>): string;
  /** Optional: the dry run's description when saying what would change needs a read (flags: restore). */
  preview?(request: Omit<StepRequest, 'signal' | 'log'>): Promise<string>;
  perform(request: StepRequest): Promise<StepResult>;
  close?(): Promise<void>;
}
