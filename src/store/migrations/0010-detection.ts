import type { Kysely } from 'kysely';

/** Detection and decisions: recorded decisions, request-outcome rollups, user bug reports. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('decisions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('release_id', 'text')
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('deadline', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('approval', 'text')
    .addColumn('explanation', 'text', (c) => c.notNull())
    .addColumn('inputs', 'text', (c) => c.notNull())
    .addColumn('made_at', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('reason', 'text')
    .execute();
  await db.schema.createIndex('decisions_by_environment').on('decisions').columns(['service', 'environment', 'made_at']).execute();

  // One row per (service, environment, release or arm, bucket): counts and a latency histogram (JSON).
  await db.schema
    .createTable('outcome_rollups')
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('release', 'text', (c) => c.notNull())
    .addColumn('bucket_start', 'text', (c) => c.notNull())
    .addColumn('bucket_ms', 'integer', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('errors', 'integer', (c) => c.notNull())
    .addColumn('latency_histogram', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('outcome_rollups_pk', ['service', 'environment', 'release', 'bucket_start'])
    .execute();

  await db.schema
    .createTable('bug_reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text')
    .addColumn('reporter', 'text')
    .addColumn('reported_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('bug_reports_by_environment').on('bug_reports').columns(['service', 'environment', 'reported_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('bug_reports').execute();
  await db.schema.dropTable('outcome_rollups').execute();
  await db.schema.dropTable('decisions').execute();
}
