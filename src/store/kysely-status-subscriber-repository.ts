import type { Kysely, Selectable } from 'kysely';
import type { StatusSubscriber, StatusSubscriberRepository } from '../incidents/status-subscriber.js';
import type { Database, StatusSubscribersTable } from './schema.js';

const fromRow = (row: Selectable<StatusSubscribersTable>): StatusSubscriber => ({
  id: row.id,
  service: row.service,
  kind: row.kind as StatusSubscriber['kind'],
  target: row.target,
  components: JSON.parse(row.components) as string[],
  secret: row.secret ?? undefined,
  createdAt: row.created_at,
  confirmedAt: row.confirmed_at ?? undefined,
  unsubscribedAt: row.unsubscribed_at ?? undefined,
});

export class KyselyStatusSubscriberRepository implements StatusSubscriberRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(s: StatusSubscriber, tokenHash: string): Promise<void> {
    await this.db
      .insertInto('status_subscribers')
      .values({ id: s.id, service: s.service, kind: s.kind, target: s.target, components: JSON.stringify(s.components), token_hash: tokenHash, secret: s.secret ?? null, created_at: s.createdAt, confirmed_at: s.confirmedAt ?? null, unsubscribed_at: null })
      .execute();
  }

  async byTokenHash(tokenHash: string): Promise<StatusSubscriber | undefined> {
    const row = await this.db.selectFrom('status_subscribers').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async confirm(id: string, at: string): Promise<void> {
    await this.db.updateTable('status_subscribers').set({ confirmed_at: at }).where('id', '=', id).where('confirmed_at', 'is', null).execute();
  }

  async unsubscribe(id: string, at: string): Promise<void> {
    await this.db.updateTable('status_subscribers').set({ unsubscribed_at: at }).where('id', '=', id).where('unsubscribed_at', 'is', null).execute();
  }

  async active(service: string): Promise<StatusSubscriber[]> {
    const rows = await this.db.selectFrom('status_subscribers').selectAll().where('service', '=', service).where('confirmed_at', 'is not', null).where('unsubscribed_at', 'is', null).execute();
    return rows.map(fromRow);
  }
}
