import type { Kysely } from 'kysely';

/** People and systems subscribed to the public status page: email (double opt-in) or webhook. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('status_subscribers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('components', 'text', (c) => c.notNull())
    /** sha256 of the token in the confirm and unsubscribe links: a leaked table cannot unsubscribe anyone. */
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    /** The webhook's signing secret (shown to the subscriber once). */
    .addColumn('secret', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text')
    .addColumn('unsubscribed_at', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('status_subscribers').execute();
}
