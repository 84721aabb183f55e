import type { Kysely } from 'kysely';

/**
 * Leases get a fencing token: `generation` rises on every acquisition and is never reset (a released
 * lease keeps its row), so a holder that was paused past its lease can tell that someone else held it
 * since, and every step write is checked against it in the same transaction (ADR 0110).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('leases').addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('leases').dropColumn('generation').execute();
}
