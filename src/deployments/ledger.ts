import type { AuditEntry } from '../core/audit.js';
import { type Clock, systemClock } from '../core/clock.js';
import { notFound, RipcordError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { newId } from '../core/ids.js';
import type { LedgerRepository } from './ledger-repository.js';
import {
  ALLOWED_TRANSITIONS,
  type Release,
  type ReleaseDetails,
  type ReleaseStatus,
  SERVING_STATUSES,
  type Snapshot,
  type SnapshotKind,
} from './release.js';

export interface SnapshotInput {
  kind: SnapshotKind;
  reference: string;
  checksum?: string | undefined;
  details?: Record<string, unknown> | undefined;
  takenAt?: string | undefined;
}

export interface RecordReleaseInput {
  service: string;
  environment: string;
  version: string;
  commit?: string | undefined;
  providerDeploymentId?: string | undefined;
  artifact?: string | undefined;
  deployedBy?: string | undefined;
  /** When it went out; defaults to now (a deploy recorded after the fact may give its real time). */
  deployedAt?: string | undefined;
  notes?: string | undefined;
  /** `live` (default) for a finished deploy, `deploying` while ripcord is still rolling it out. */
  status?: 'deploying' | 'live' | undefined;
  snapshots?: SnapshotInput[] | undefined;
}

export interface ReleasePage {
  releases: Release[];
  /** Pass back as `cursor` for the next (older) page; absent on the last page. */
  nextCursor?: string | undefined;
}

export interface EnvironmentSummary {
  service: string;
  environment: string;
  current?: Release | undefined;
  lastKnownGood?: Release | undefined;
}

export const MAX_PAGE_SIZE = 200;

/**
 * The release ledger: every deployment and what undoes it. Every change is one transaction that
 * also writes its transition and audit rows, so the history never disagrees with the state.
 */
export class Ledger {
  constructor(
    private readonly repository: LedgerRepository,
    private readonly clock: Clock = systemClock,
    /** Told after each change has committed, never before. */
    private readonly events?: EventBus,
  ) {}

  async record(input: RecordReleaseInput, actor: string): Promise<ReleaseDetails> {
    const now = this.clock.now().toISOString();
    const status = input.status ?? 'live';
    const id = newId('rel', this.clock.now());
    const details = await this.repository.transaction(async (repo) => {
      const serving = await repo.findReleases({
        service: input.service,
        environment: input.environment,
        statuses: SERVING_STATUSES,
        limit: MAX_PAGE_SIZE,
      });
      const release: Release = {
        id,
        service: input.service,
        environment: input.environment,
        version: input.version,
        commit: input.commit,
        providerDeploymentId: input.providerDeploymentId,
        artifact: input.artifact,
        deployedBy: input.deployedBy ?? actor,
        deployedAt: input.deployedAt ? new Date(input.deployedAt).toISOString() : now,
        notes: input.notes,
        status,
        stable: false,
        previousReleaseId: serving[0]?.id,
        createdAt: now,
        updatedAt: now,
      };
      await repo.insertRelease(release);
      await repo.insertTransition({ id: newId('trn'), releaseId: id, from: null, to: status, actor, reason: 'recorded', at: now });
      if (status === 'live') await this.supersede(repo, serving, release, actor, now);
      for (const snapshot of input.snapshots ?? []) await repo.insertSnapshot(this.snapshot(id, snapshot, now));
      await repo.insertAudit(this.audit(actor, 'release.recorded', id, { service: release.service, environment: release.environment, version: release.version, status }));
      return this.detailsIn(repo, id);
    });
    await this.events?.publish({ type: 'release.recorded', at: now, service: details.service, environment: details.environment, releaseId: id, version: details.version, actor });
    return details;
  }

  async transition(id: string, to: ReleaseStatus, actor: string, reason?: string): Promise<ReleaseDetails> {
    const now = this.clock.now().toISOString();
    let from: ReleaseStatus | undefined;
    const details = await this.repository.transaction(async (repo) => {
      const release = await this.require(repo, id);
      this.assertAllowed(release, to);
      from = release.status;
      if (to === 'live') {
        const serving = await repo.findReleases({
          service: release.service,
          environment: release.environment,
          statuses: SERVING_STATUSES,
          limit: MAX_PAGE_SIZE,
        });
        await this.supersede(repo, serving, release, actor, now);
      }
      await repo.updateRelease(id, { status: to, updatedAt: now, ...(to === 'verified' ? { verifiedAt: now } : {}) });
      await repo.insertTransition({ id: newId('trn'), releaseId: id, from: release.status, to, actor, reason, at: now });
      await repo.insertAudit(this.audit(actor, 'release.transitioned', id, { from: release.status, to, reason }));
      return this.detailsIn(repo, id);
    });
    await this.events?.publish({
      type: 'release.status_changed',
      at: now,
      service: details.service,
      environment: details.environment,
      releaseId: id,
      version: details.version,
      from: from ?? null,
      to,
      actor,
      reason,
    });
    return details;
  }

  async markStable(id: string, actor: string): Promise<ReleaseDetails> {
    const now = this.clock.now().toISOString();
    return this.repository.transaction(async (repo) => {
      const release = await this.require(repo, id);
      if (release.status === 'rolled_back' || release.status === 'failed') {
        throw new RipcordError('conflict', `release ${release.version} (${id}) is ${release.status}; a ${release.status} release cannot be marked stable`);
      }
      await repo.updateRelease(id, { stable: true, updatedAt: now });
      await repo.insertAudit(this.audit(actor, 'release.marked_stable', id, { version: release.version }));
      return this.detailsIn(repo, id);
    });
  }

  async addSnapshot(id: string, input: SnapshotInput, actor: string): Promise<Snapshot> {
    const now = this.clock.now().toISOString();
    return this.repository.transaction(async (repo) => {
      await this.require(repo, id);
      const snapshot = this.snapshot(id, input, now);
      await repo.insertSnapshot(snapshot);
      await repo.insertAudit(this.audit(actor, 'snapshot.recorded', id, { kind: snapshot.kind, reference: snapshot.reference }));
      return snapshot;
    });
  }

  async get(id: string): Promise<ReleaseDetails> {
    return this.detailsIn(this.repository, id);
  }

  async list(filter: { service?: string | undefined; environment?: string | undefined; environments?: readonly string[] | undefined; status?: ReleaseStatus | undefined; limit?: number | undefined; cursor?: string | undefined }): Promise<ReleasePage> {
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), MAX_PAGE_SIZE);
    const releases = await this.repository.findReleases({
      service: filter.service,
      environment: filter.environment,
      environments: filter.environments,
      statuses: filter.status ? [filter.status] : undefined,
      before: filter.cursor ? decodeCursor(filter.cursor) : undefined,
      limit: limit + 1,
    });
    const page = releases.slice(0, limit);
    const last = page[page.length - 1];
    return { releases: page, nextCursor: releases.length > limit && last ? encodeCursor(last) : undefined };
  }

  async lastKnownGood(service: string, environment: string): Promise<Release | undefined> {
    return this.repository.lastKnownGood(service, environment);
  }

  /** Where each environment stands: what serves it now and what a rollback would return to. */
  async summary(known: { service: string; environment: string }[] = []): Promise<EnvironmentSummary[]> {
    const pairs = new Map<string, { service: string; environment: string }>();
    for (const pair of [...known, ...(await this.repository.environments())]) pairs.set(`${pair.service}/${pair.environment}`, pair);
    const summaries: EnvironmentSummary[] = [];
    for (const { service, environment } of [...pairs.values()].sort((a, b) => `${a.service}/${a.environment}`.localeCompare(`${b.service}/${b.environment}`))) {
      const [current] = await this.repository.findReleases({ service, environment, statuses: [...SERVING_STATUSES, 'deploying'], limit: 1 });
      summaries.push({ service, environment, current, lastKnownGood: await this.repository.lastKnownGood(service, environment) });
    }
    return summaries;
  }

  private async supersede(repo: LedgerRepository, serving: Release[], by: Release, actor: string, now: string): Promise<void> {
    for (const old of serving) {
      if (old.id === by.id) continue;
      await repo.updateRelease(old.id, { status: 'superseded', updatedAt: now });
      await repo.insertTransition({ id: newId('trn'), releaseId: old.id, from: old.status, to: 'superseded', actor, reason: `superseded by ${by.version} (${by.id})`, at: now });
    }
  }

  private assertAllowed(release: Release, to: ReleaseStatus): void {
    const allowed = ALLOWED_TRANSITIONS[release.status];
    if (!allowed.includes(to)) {
      throw new RipcordError(
        'conflict',
        `release ${release.version} (${release.id}) is ${release.status}; it cannot become ${to} (from ${release.status} it can become: ${allowed.length ? allowed.join(', ') : 'nothing, it is final'})`,
      );
    }
  }

  private async require(repo: LedgerRepository, id: string): Promise<Release> {
    const release = await repo.getRelease(id);
    if (!release) throw notFound(`release ${id}`);
    return release;
  }

  private async detailsIn(repo: LedgerRepository, id: string): Promise<ReleaseDetails> {
    const release = await this.require(repo, id);
    return { ...release, snapshots: await repo.snapshotsOf(id), transitions: await repo.transitionsOf(id) };
  }

  private snapshot(releaseId: string, input: SnapshotInput, now: string): Snapshot {
    return {
      id: newId('snp'),
      releaseId,
      kind: input.kind,
      reference: input.reference,
      checksum: input.checksum,
      details: input.details,
      takenAt: input.takenAt ? new Date(input.takenAt).toISOString() : now,
    };
  }

  private audit(actor: string, action: string, target: string, details: Record<string, unknown>): AuditEntry {
    return { id: newId('aud'), at: this.clock.now().toISOString(), actor, action, target, details };
  }
}

export function encodeCursor(release: Pick<Release, 'deployedAt' | 'id'>): string {
  return Buffer.from(`${release.deployedAt}|${release.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { deployedAt: string; id: string } {
  const [deployedAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!deployedAt || !id || Number.isNaN(Date.parse(deployedAt))) {
    throw new RipcordError('invalid_input', 'cursor is not one this server gave out', [{ path: 'cursor', message: 'unknown cursor' }]);
  }
  return { deployedAt, id };
}
