import type { Kysely } from 'kysely';

/** Rollback plans, their steps (state written before and after each runs) and leases (one runner per environment). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rollback_plans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('release_id', 'text')
    .addColumn('target_release_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('severity', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('state', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('rollback_plans_by_environment').on('rollback_plans').columns(['service', 'environment', 'created_at']).execute();

  await db.schema
    .createTable('rollback_steps')
    .addColumn('plan_id', 'text', (c) => c.notNull().references('rollback_plans.id'))
    .addColumn('step_index', 'integer', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('used_fallback', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('summary', 'text')
    .addColumn('error', 'text')
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('duration_ms', 'integer')
    .addPrimaryKeyConstraint('rollback_steps_pk', ['plan_id', 'step_index'])
    .execute();

  await db.schema
    .createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('leases').execute();
  await db.schema.dropTable('rollback_steps').execute();
  await db.schema.dropTable('rollback_plans').execute();
}
