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
 * What a provider can do, by the action that does it. The plan builder, `ripcord release` and the
 * server read these instead of knowing kinds, so a new platform is one folder (see
 * docs/providers/adding-a-provider.md). Every named action must be one of the provider's `actions`.
 */
export interface ProviderCapabilities {
  /** Goes back to a previous release: the action a `previous_release` step runs (`target` = where to). */
  previousRelease?: string | undefined;
  /** Deploys a release: the action `ripcord release` runs. */
  deploy?: string | undefined;
  /** Shifts traffic (blue-green / weighted): the action a `{traffic: {to}}` step runs, with `params.to`. */
  traffic?: string | undefined;
  /** Makes a watched, healthy release take all traffic: run with `params.to` = its version after the watch. */
  promote?: string | undefined;
  /** Takes a snapshot before a release (tag, backup, the platform's current deployment): run as a safeguard. */
  snapshot?: string | undefined;
  /** Has its own lifecycle: `open()` runs with the server (a proxy listening), `close()` stops it. */
  lifecycle?: boolean | undefined;
  /** Environment slots this provider also fills when it is the main one (a git provider is the tag safeguard's `git`). */
  slots?: readonly string[] | undefined;
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
  perform(request: StepRequest): Promise<StepResult>;
  /** What it can do; a provider that declares nothing is only reached by steps that name its slot. */
  readonly capabilities?: ProviderCapabilities | undefined;
  /** With `capabilities.lifecycle`: opened with the server; returns where it can be reached, if anywhere. */
  open?(): Promise<string | undefined>;
  close?(): Promise<void>;
}
