import type { Kysely, Selectable } from 'kysely';
import type { Maintenance, MaintenanceRepository } from '../incidents/maintenance.js';
import type { Database, StatusMaintenanceTable } from './schema.js';

const fromRow = (row: Selectable<StatusMaintenanceTable>): Maintenance => ({
  id: row.id,
  service: row.service,
  title: row.title,
  body: row.body,
  components: JSON.parse(row.components) as string[],
  scheduledFor: row.scheduled_for,
  scheduledUntil: row.scheduled_until,
  completedAt: row.completed_at ?? undefined,
  createdBy: row.created_by,
  createdAt: row.created_at,
});

export class KyselyMaintenanceRepository implements MaintenanceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(m: Maintenance): Promise<void> {
    await this.db
      .insertInto('status_maintenance')
      .values({ id: m.id, service: m.service, title: m.title, body: m.body, components: JSON.stringify(m.components), scheduled_for: m.scheduledFor, scheduled_until: m.scheduledUntil, completed_at: m.completedAt ?? null, created_by: m.createdBy, created_at: m.createdAt })
      .execute();
  }

  async list(service: string): Promise<Maintenance[]> {
    return (await this.db.selectFrom('status_maintenance').selectAll().where('service', '=', service).orderBy('scheduled_for', 'asc').execute()).map(fromRow);
  }

  async get(id: string): Promise<Maintenance | undefined> {
    const row = await this.db.selectFrom('status_maintenance').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async complete(id: string, at: string): Promise<void> {
    await this.db.updateTable('status_maintenance').set({ completed_at: at }).where('id', '=', id).execute();
  }
}
