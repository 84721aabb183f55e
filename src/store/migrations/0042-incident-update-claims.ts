import type { Kysely } from 'kysely';

/**
 * When an incident's last status update went out, as a column: servers sharing one PostgreSQL claim the
 * periodic update with a compare-and-set on it, so the channel gets one update every `update_every`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('incidents').addColumn('last_update_at', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('incidents').dropColumn('last_update_at').execute();
}
