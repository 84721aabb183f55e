import type { Kysely, Selectable } from 'kysely';
import type { Incident, TimelineEntry } from '../incidents/incident.js';
import type { EscalationTimer, IncidentFilter, IncidentRepository } from '../incidents/incident-repository.js';
import type { Database, IncidentsTable } from './schema.js';
import { insertAudit } from './audit-store.js';
import { newId } from '../core/ids.js';

type Document = Omit<Incident, 'id' | 'service' | 'environment' | 'releaseId' | 'severity' | 'status' | 'timeline'>;

function toDocument(incident: Incident): string {
  const { id: _id, service: _s, environment: _e, releaseId: _r, severity: _sev, status: _st, timeline: _t, ...rest } = incident;
  return JSON.stringify(rest satisfies Document);
}

function toIncident(row: Selectable<IncidentsTable>, timeline: TimelineEntry[]): Incident {
  const doc = JSON.parse(row.document) as Document;
  return {
    id: row.id,
    service: row.service,
    environment: row.environment,
    releaseId: row.release_id ?? undefined,
    severity: row.severity as Incident['severity'],
    status: row.status as Incident['status'],
    ...doc,
    lastUpdateAt: row.last_update_at ?? doc.lastUpdateAt,
    timeline,
  };
}

/** Incidents on Kysely: the same SQL for SQLite and PostgreSQL. */
export class KyselyIncidentRepository implements IncidentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async save(incident: Incident): Promise<void> {
    const row = {
      service: incident.service,
      environment: incident.environment,
      release_id: incident.releaseId ?? null,
      severity: incident.severity,
      status: incident.status,
      detected_at: incident.milestones.detected ?? new Date(0).toISOString(),
      document: toDocument(incident),
      updated_at: new Date().toISOString(),
      last_update_at: incident.lastUpdateAt ?? null,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('incidents')
        .values({ id: incident.id, ...row })
        .onConflict((oc) => oc.column('id').doUpdateSet(row))
        .execute();
      const stored = await trx
        .selectFrom('incident_timeline')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('incident_id', '=', incident.id)
        .executeTakeFirstOrThrow();
      const already = Number(stored.n);
      const fresh = incident.timeline.slice(already);
      if (fresh.length > 0) {
        await trx
          .insertInto('incident_timeline')
          .values(fresh.map((t, i) => ({ incident_id: incident.id, seq: already + i, at: t.at, kind: t.kind, text: t.text, actor: t.actor })))
          .execute();
      }
      // What people did (corrected a milestone, acknowledged, moved the status…) also goes to the audit
      // log, in the same transaction; ripcord's own entries are on the timeline only.
      for (const entry of fresh.filter((t) => !t.actor.startsWith('ripcord'))) {
        await insertAudit(trx, { id: newId('aud'), at: entry.at, actor: entry.actor, action: `incident.${entry.kind}`, target: incident.id, details: { text: entry.text } });
      }
    });
  }

  async get(id: string): Promise<Incident | undefined> {
    const row = await this.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return toIncident(row, await this.timeline([id]).then((m) => m.get(id) ?? []));
  }

  async list(filter: IncidentFilter = {}): Promise<Incident[]> {
    let query = this.db.selectFrom('incidents').selectAll().orderBy('id');
    if (filter.service) query = query.where('service', '=', filter.service);
    if (filter.environment) query = query.where('environment', '=', filter.environment);
    if (filter.environments) query = query.where('environment', 'in', filter.environments.length ? [...filter.environments] : ['\u0000none']);
    if (filter.openOnly) query = query.where('status', '!=', 'resolved');
    const rows = await query.execute();
    const timelines = filter.timeline === false ? new Map<string, TimelineEntry[]>() : await this.timeline(rows.map((r) => r.id));
    return rows.map((r) => toIncident(r, timelines.get(r.id) ?? []));
  }

  async setTimer(incidentId: string, timer: EscalationTimer | undefined): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('escalation_timers').where('incident_id', '=', incidentId).execute();
      if (timer) {
        await tx
          .insertInto('escalation_timers')
          .values({ incident_id: incidentId, kind: timer.kind, step: timer.step, round: timer.round, due_at: timer.dueAt })
          .execute();
      }
    });
  }

  async claimPeriodicUpdate(incidentId: string, last: string | undefined, now: string): Promise<boolean> {
    let query = this.db.updateTable('incidents').set({ last_update_at: now }).where('id', '=', incidentId);
    query = last === undefined ? query.where('last_update_at', 'is', null) : query.where('last_update_at', '=', last);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async claimTimer(timer: EscalationTimer, retryAt: string): Promise<boolean> {
    const result = await this.db
      .updateTable('escalation_timers')
      .set({ due_at: retryAt })
      .where('incident_id', '=', timer.incidentId)
      .where('due_at', '=', timer.dueAt)
      .where('kind', '=', timer.kind)
      .where('step', '=', timer.step)
      .where('round', '=', timer.round)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async dueTimers(now: string): Promise<EscalationTimer[]> {
    const rows = await this.db.selectFrom('escalation_timers').selectAll().where('due_at', '<=', now).orderBy('due_at').execute();
    return rows.map((r) => ({ incidentId: r.incident_id, kind: r.kind as EscalationTimer['kind'], step: Number(r.step), round: Number(r.round), dueAt: r.due_at }));
  }

  private async timeline(ids: string[]): Promise<Map<string, TimelineEntry[]>> {
    const result = new Map<string, TimelineEntry[]>();
    if (ids.length === 0) return result;
    const rows = await this.db.selectFrom('incident_timeline').selectAll().where('incident_id', 'in', ids).orderBy('incident_id').orderBy('seq').execute();
    for (const r of rows) {
      const list = result.get(r.incident_id) ?? [];
      list.push({ at: r.at, kind: r.kind, text: r.text, actor: r.actor });
      result.set(r.incident_id, list);
    }
    return result;
  }
}
