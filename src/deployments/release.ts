export const RELEASE_STATUSES = ['deploying', 'live', 'verified', 'rolled_back', 'superseded', 'failed'] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

export const SNAPSHOT_KINDS = ['database_backup', 'config_snapshot', 'artifact_backup', 'tag'] as const;
export type SnapshotKind = (typeof SNAPSHOT_KINDS)[number];

/**
 * Which status may follow which. `superseded → live` is a rollback putting an older release back;
 * `rolled_back` and `failed` are final, so a rolled-back release can never be the target of a rollback.
 */
export const ALLOWED_TRANSITIONS: Record<ReleaseStatus, readonly ReleaseStatus[]> = {
  deploying: ['live', 'failed'],
  live: ['verified', 'rolled_back', 'superseded', 'failed'],
  verified: ['rolled_back', 'superseded'],
  superseded: ['live'],
  rolled_back: [],
  failed: [],
};

/** Statuses of the release currently serving an environment. */
export const SERVING_STATUSES: readonly ReleaseStatus[] = ['live', 'verified'];

/** One version put live in one environment, with what is needed to undo it. */
export interface Release {
  id: string;
  service: string;
  environment: string;
  version: string;
  commit?: string | undefined;
  providerDeploymentId?: string | undefined;
  artifact?: string | undefined;
  deployedBy: string;
  deployedAt: string;
  notes?: string | undefined;
  status: ReleaseStatus;
  /** Marked by a person (or a passed verification) as known good. */
  stable: boolean;
  verifiedAt?: string | undefined;
  /** The release that was serving when this one was recorded: what "previous release" undoes to. */
  previousReleaseId?: string | undefined;
  createdAt: string;
  updatedAt: string;
}

export interface Snapshot {
  id: string;
  releaseId: string;
  kind: SnapshotKind;
  /** Where the copy is: a file path, an S3 URL, a git tag, a provider id. Never the data itself. */
  reference: string;
  checksum?: string | undefined;
  details?: Record<string, unknown> | undefined;
  takenAt: string;
}

export interface Transition {
  id: string;
  releaseId: string;
  from: ReleaseStatus | null;
  to: ReleaseStatus;
  actor: string;
  reason?: string | undefined;
  at: string;
}

export interface ReleaseDetails extends Release {
  snapshots: Snapshot[];
  transitions: Transition[];
}
