import type { Kysely } from 'kysely';

/** One row that `/readyz` rewrites: a store that answers reads but takes no writes is not ready. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('store_probe')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('written_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('store_probe').execute();
}
