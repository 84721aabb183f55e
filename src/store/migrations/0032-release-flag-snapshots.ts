import type { Kysely } from 'kysely';

/** The flag versions of an environment when a release was recorded: what `flags: restore` puts back. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('release_flag_snapshots')
    .addColumn('release_id', 'text', (c) => c.primaryKey())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('flags', 'text', (c) => c.notNull())
    .addColumn('set_version', 'integer', (c) => c.notNull())
    .addColumn('taken_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('release_flag_snapshots').execute();
}
