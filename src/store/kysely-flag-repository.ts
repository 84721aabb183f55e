import type { Kysely } from 'kysely';
import type { AuditEntry } from '../core/audit.js';
import type { FlagChange, FlagDefinition, FlagRecord, FlagSetRecord, ReleaseFlagSnapshot } from '../flags/flag-definition.js';
import type { FlagRepository } from '../flags/flag-repository.js';
import { insertAudit } from './audit-store.js';
import type { Database } from './schema.js';

export class KyselyFlagRepository implements FlagRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly inTransaction = false,
  ) {}

  async transaction<T>(work: (repository: FlagRepository) => Promise<T>): Promise<T> {
    if (this.inTransaction) return work(this);
    return this.db.transaction().execute((trx) => work(new KyselyFlagRepository(trx, true)));
  }

  async list(service: string, environment: string): Promise<FlagRecord[]> {
    const rows = await this.db.selectFrom('flags').selectAll().where('service', '=', service).where('environment', '=', environment).orderBy('key').execute();
    return rows.map(toRecord);
  }

  async get(service: string, environment: string, key: string): Promise<FlagRecord | undefined> {
    const row = await this.db.selectFrom('flags').selectAll().where('service', '=', service).where('environment', '=', environment).where('key', '=', key).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async save(record: FlagRecord, change: FlagChange, audit: AuditEntry): Promise<void> {
    const definition = JSON.stringify(record.definition);
    if (record.version === 1) {
      await this.db
        .insertInto('flags')
        .values({ service: record.service, environment: record.environment, key: record.key, definition, version: 1, updated_at: record.updatedAt, updated_by: record.updatedBy })
        .execute();
    } else {
      // Optimistic: only the version we read may be replaced, so two servers cannot both write version N.
      const result = await this.db
        .updateTable('flags')
        .set({ definition, version: record.version, updated_at: record.updatedAt, updated_by: record.updatedBy })
        .where('service', '=', record.service)
        .where('environment', '=', record.environment)
        .where('key', '=', record.key)
        .where('version', '=', record.version - 1)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw new Error(`flag ${record.key} changed concurrently; try again`);
    }
    await this.db
      .insertInto('flag_changes')
      .values({ id: change.id, service: change.service, environment: change.environment, key: change.key, version: change.version, definition, actor: change.actor, reason: change.reason ?? null, at: change.at })
      .execute();
    await insertAudit(this.db, audit);
  }

  async history(service: string, environment: string, key: string, limit: number): Promise<FlagChange[]> {
    const rows = await this.db
      .selectFrom('flag_changes')
      .selectAll()
      .where('service', '=', service)
      .where('environment', '=', environment)
      .where('key', '=', key)
      .orderBy('version', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toChange);
  }

  async changesSince(service: string, environment: string, afterId: string, limit: number): Promise<FlagChange[]> {
    const rows = await this.db
      .selectFrom('flag_changes')
      .selectAll()
      .where('service', '=', service)
      .where('environment', '=', environment)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toChange);
  }

  async latestChangeId(service: string, environment: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('flag_changes').select('id').where('service', '=', service).where('environment', '=', environment).orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row?.id;
  }

  async flagSet(service: string, environment: string): Promise<FlagSetRecord | undefined> {
    const row = await this.db.selectFrom('flag_sets').selectAll().where('service', '=', service).where('environment', '=', environment).executeTakeFirst();
    if (!row) return undefined;
    return {
      service: row.service,
      environment: row.environment,
      evaluators: JSON.parse(row.evaluators) as Record<string, unknown>,
      metadata: JSON.parse(row.metadata) as FlagSetRecord['metadata'],
      version: Number(row.version),
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    };
  }

  async saveFlagSet(record: FlagSetRecord, audit: AuditEntry): Promise<void> {
    const values = { evaluators: JSON.stringify(record.evaluators), metadata: JSON.stringify(record.metadata), version: record.version, updated_at: record.updatedAt ?? audit.at, updated_by: record.updatedBy ?? audit.actor };
    if (record.version === 1) {
      await this.db.insertInto('flag_sets').values({ service: record.service, environment: record.environment, ...values }).execute();
    } else {
      const result = await this.db
        .updateTable('flag_sets')
        .set(values)
        .where('service', '=', record.service)
        .where('environment', '=', record.environment)
        .where('version', '=', record.version - 1)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw new Error(`the flag set of ${record.service}/${record.environment} changed concurrently; try again`);
    }
    await insertAudit(this.db, audit);
  }

  async saveReleaseSnapshot(snapshot: ReleaseFlagSnapshot): Promise<void> {
    await this.db
      .insertInto('release_flag_snapshots')
      .values({ release_id: snapshot.releaseId, service: snapshot.service, environment: snapshot.environment, flags: JSON.stringify(snapshot.flags), set_version: snapshot.setVersion, taken_at: snapshot.takenAt })
      .onConflict((oc) => oc.column('release_id').doNothing())
      .execute();
  }

  async releaseSnapshot(releaseId: string): Promise<ReleaseFlagSnapshot | undefined> {
    const row = await this.db.selectFrom('release_flag_snapshots').selectAll().where('release_id', '=', releaseId).executeTakeFirst();
    if (!row) return undefined;
    return { releaseId: row.release_id, service: row.service, environment: row.environment, flags: JSON.parse(row.flags) as Record<string, number>, setVersion: Number(row.set_version), takenAt: row.taken_at };
  }

  async changeAt(service: string, environment: string, key: string, version: number): Promise<FlagChange | undefined> {
    const row = await this.db.selectFrom('flag_changes').selectAll().where('service', '=', service).where('environment', '=', environment).where('key', '=', key).where('version', '=', version).executeTakeFirst();
    return row ? toChange(row) : undefined;
  }

  async change(id: string): Promise<FlagChange | undefined> {
    const row = await this.db.selectFrom('flag_changes').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toChange(row) : undefined;
  }
}

function toChange(row: { id: string; service: string; environment: string; key: string; version: number; definition: string; actor: string; reason: string | null; at: string }): FlagChange {
  return {
      id: row.id,
      service: row.service,
      environment: row.environment,
      key: row.key,
      version: Number(row.version),
      definition: JSON.parse(row.definition) as FlagDefinition,
      actor: row.actor,
      reason: row.reason ?? undefined,
      at: row.at,
    };
}

function toRecord(row: { service: string; environment: string; key: string; definition: string; version: number; updated_at: string; updated_by: string }): FlagRecord {
  return {
    service: row.service,
    environment: row.environment,
    key: row.key,
    definition: JSON.parse(row.definition) as FlagDefinition,
    version: Number(row.version),
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}
