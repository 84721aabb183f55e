import type { AuditEntry } from '../core/audit.js';
import type { Release, ReleaseStatus, Snapshot, Transition } from './release.js';

export interface ReleaseFilter {
  service?: string | undefined;
  environment?: string | undefined;
  /** Only these environments (a token's scope). */
  environments?: readonly string[] | undefined;
  statuses?: readonly ReleaseStatus[] | undefined;
  /** Paging: only releases strictly older than this position (newest first order). */
  before?: { deployedAt: string; id: string } | undefined;
  limit: number;
}

/** What the ledger needs from storage; store/kysely-ledger-repository.ts implements it for both dialects. */
export interface LedgerRepository {
  /** Runs `work` atomically: all its writes land, or none do. */
  transaction<T>(work: (repository: LedgerRepository) => Promise<T>): Promise<T>;
  insertRelease(release: Release): Promise<void>;
  updateRelease(id: string, patch: Partial<Pick<Release, 'status' | 'stable' | 'verifiedAt' | 'updatedAt'>>): Promise<void>;
  insertSnapshot(snapshot: Snapshot): Promise<void>;
  insertTransition(transition: Transition): Promise<void>;
  insertAudit(entry: AuditEntry): Promise<void>;
  getRelease(id: string): Promise<Release | undefined>;
  findReleases(filter: ReleaseFilter): Promise<Release[]>;
  snapshotsOf(releaseId: string): Promise<Snapshot[]>;
  transitionsOf(releaseId: string): Promise<Transition[]>;
  /** The newest release (verified or marked stable) that was never rolled back and did not fail. */
  lastKnownGood(service: string, environment: string): Promise<Release | undefined>;
  /** Every service/environment pair the ledger has seen. */
  environments(): Promise<{ service: string; environment: string }[]>;
}
