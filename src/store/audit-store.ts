import type { Kysely } from 'kysely';
import type { AuditEntry } from '../core/audit.js';
import type { Database } from './schema.js';

export async function insertAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: entry.id,
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      details: entry.details ? JSON.stringify(entry.details) : null,
    })
    .execute();
}

/** Newest first; `before` is the last entry of the previous page. */
export async function listAudit(
  db: Kysely<Database>,
  options: { limit: number; before?: { at: string; id: string } | undefined; target?: string | undefined },
): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll();
  const before = options.before;
  if (before) {
    query = query.where((eb) => eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '<', before.id)])]));
  }
  if (options.target) query = query.where('target', '=', options.target);
  const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target ?? undefined,
    details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : undefined,
  }));
}
