import type { Kysely, Selectable } from 'kysely';
import type { AuditEntry } from '../core/audit.js';
import type { LedgerRepository, ReleaseFilter } from '../deployments/ledger-repository.js';
import type { Release, ReleaseStatus, Snapshot, SnapshotKind, Transition } from '../deployments/release.js';
import { insertAudit } from './audit-store.js';
import type { Database, ReleasesTable } from './schema.js';

const optional = <T>(value: T | null): T | undefined => value ?? undefined;

function toRelease(row: Selectable<ReleasesTable>): Release {
  return {
    id: row.id,
    service: row.service,
    environment: row.environment,
    version: row.version,
    commit: optional(row.commit_sha),
    providerDeploymentId: optional(row.provider_deployment_id),
    artifact: optional(row.artifact),
    deployedBy: row.deployed_by,
    deployedAt: row.deployed_at,
    notes: optional(row.notes),
    status: row.status as ReleaseStatus,
    stable: Number(row.stable) === 1,
    verifiedAt: optional(row.verified_at),
    previousReleaseId: optional(row.previous_release_id),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The ledger on Kysely: the same SQL for SQLite and PostgreSQL. */
export class KyselyLedgerRepository implements LedgerRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly inTransaction = false,
  ) {}

  async transaction<T>(work: (repository: LedgerRepository) => Promise<T>): Promise<T> {
    if (this.inTransaction) return work(this);
    return this.db.transaction().execute((trx) => work(new KyselyLedgerRepository(trx, true)));
  }

  async insertRelease(release: Release): Promise<void> {
    await this.db
      .insertInto('releases')
      .values({
        id: release.id,
        service: release.service,
        environment: release.environment,
        version: release.version,
        commit_sha: release.commit ?? null,
        provider_deployment_id: release.providerDeploymentId ?? null,
        artifact: release.artifact ?? null,
        deployed_by: release.deployedBy,
        deployed_at: release.deployedAt,
        notes: release.notes ?? null,
        status: release.status,
        stable: release.stable ? 1 : 0,
        verified_at: release.verifiedAt ?? null,
        previous_release_id: release.previousReleaseId ?? null,
        created_at: release.createdAt,
        updated_at: release.updatedAt,
      })
      .execute();
  }

  async updateRelease(id: string, patch: Partial<Pick<Release, 'status' | 'stable' | 'verifiedAt' | 'updatedAt'>>): Promise<void> {
    await this.db
      .updateTable('releases')
      .set({
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.stable !== undefined ? { stable: patch.stable ? 1 : 0 } : {}),
        ...(patch.verifiedAt !== undefined ? { verified_at: patch.verifiedAt } : {}),
        ...(patch.updatedAt !== undefined ? { updated_at: patch.updatedAt } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  async insertSnapshot(snapshot: Snapshot): Promise<void> {
    await this.db
      .insertInto('snapshots')
      .values({
        id: snapshot.id,
        release_id: snapshot.releaseId,
        kind: snapshot.kind,
        reference: snapshot.reference,
        checksum: snapshot.checksum ?? null,
        details: snapshot.details ? JSON.stringify(snapshot.details) : null,
        taken_at: snapshot.takenAt,
      })
      .execute();
  }

  async insertTransition(transition: Transition): Promise<void> {
    await this.db
      .insertInto('release_transitions')
      .values({
        id: transition.id,
        release_id: transition.releaseId,
        from_status: transition.from,
        to_status: transition.to,
        actor: transition.actor,
        reason: transition.reason ?? null,
        at: transition.at,
      })
      .execute();
  }

  insertAudit(entry: AuditEntry): Promise<void> {
    return insertAudit(this.db, entry);
  }

  async getRelease(id: string): Promise<Release | undefined> {
    const row = await this.db.selectFrom('releases').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRelease(row) : undefined;
  }

  async findReleases(filter: ReleaseFilter): Promise<Release[]> {
    let query = this.db.selectFrom('releases').selectAll();
    if (filter.service) query = query.where('service', '=', filter.service);
    if (filter.environment) query = query.where('environment', '=', filter.environment);
    if (filter.environments) query = query.where('environment', 'in', filter.environments.length ? [...filter.environments] : ['\u0000none']);
    if (filter.statuses) query = query.where('status', 'in', [...filter.statuses]);
    const before = filter.before;
    if (before) {
      query = query.where((eb) =>
        eb.or([
          eb('deployed_at', '<', before.deployedAt),
          eb.and([eb('deployed_at', '=', before.deployedAt), eb('id', '<', before.id)]),
        ]),
      );
    }
    const rows = await query.orderBy('deployed_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map(toRelease);
  }

  async snapshotsOf(releaseId: string): Promise<Snapshot[]> {
    const rows = await this.db.selectFrom('snapshots').selectAll().where('release_id', '=', releaseId).orderBy('taken_at').orderBy('id').execute();
    return rows.map((row) => ({
      id: row.id,
      releaseId: row.release_id,
      kind: row.kind as SnapshotKind,
      reference: row.reference,
      checksum: optional(row.checksum),
      details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : undefined,
      takenAt: row.taken_at,
    }));
  }

  async transitionsOf(releaseId: string): Promise<Transition[]> {
    const rows = await this.db.selectFrom('release_transitions').selectAll().where('release_id', '=', releaseId).orderBy('at').orderBy('id').execute();
    return rows.map((row) => ({
      id: row.id,
      releaseId: row.release_id,
      from: row.from_status as ReleaseStatus | null,
      to: row.to_status as ReleaseStatus,
      actor: row.actor,
      reason: optional(row.reason),
      at: row.at,
    }));
  }

  async lastKnownGood(service: string, environment: string): Promise<Release | undefined> {
    const row = await this.db
      .selectFrom('releases')
      .selectAll()
      .where('service', '=', service)
      .where('environment', '=', environment)
      .where('status', 'not in', ['rolled_back', 'failed'])
      .where((eb) => eb.or([eb('verified_at', 'is not', null), eb('stable', '=', 1)]))
      .orderBy('deployed_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return row ? toRelease(row) : undefined;
  }

  async environments(): Promise<{ service: string; environment: string }[]> {
    return this.db.selectFrom('releases').select(['service', 'environment']).distinct().execute();
  }
}
