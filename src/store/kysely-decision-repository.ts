import type { Kysely, Selectable } from 'kysely';
import type { Severity } from '../config/schema/fields.js';
import type { PolicyAction } from '../config/schema/policy-schema.js';
import type { Decision, DecisionRepository, DecisionStatus } from '../decisions/decision.js';
import type { Database, DetectionTables } from './schema.js';

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);
const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

function toDecision(row: Selectable<DetectionTables['decisions']>): Decision {
  return {
    id: row.id,
    service: row.service,
    environment: row.environment,
    releaseId: orUndefined(row.release_id),
    severity: row.severity as Severity,
    action: row.action as PolicyAction,
    deadline: orUndefined(row.deadline),
    status: row.status as DecisionStatus,
    approval: orUndefined(row.approval),
    explanation: row.explanation,
    inputs: JSON.parse(row.inputs) as Record<string, unknown>,
    madeAt: row.made_at,
    decidedBy: orUndefined(row.decided_by),
    decidedAt: orUndefined(row.decided_at),
    reason: orUndefined(row.reason),
  };
}

export class KyselyDecisionRepository implements DecisionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(d: Decision): Promise<void> {
    await this.db
      .insertInto('decisions')
      .values({
        id: d.id,
        service: d.service,
        environment: d.environment,
        release_id: orNull(d.releaseId),
        severity: d.severity,
        action: d.action,
        deadline: orNull(d.deadline),
        status: d.status,
        approval: orNull(d.approval),
        explanation: d.explanation,
        inputs: JSON.stringify(d.inputs),
        made_at: d.madeAt,
        decided_by: orNull(d.decidedBy),
        decided_at: orNull(d.decidedAt),
        reason: orNull(d.reason),
      })
      .execute();
  }

  async get(id: string): Promise<Decision | undefined> {
    const row = await this.db.selectFrom('decisions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toDecision(row) : undefined;
  }

  async settle(id: string, status: 'approved' | 'vetoed', actor: string, at: string, reason?: string): Promise<boolean> {
    const result = await this.db
      .updateTable('decisions')
      .set({ status, decided_by: actor, decided_at: at, reason: orNull(reason) })
      .where('id', '=', id)
      .where((eb) =>
        status === 'vetoed'
          ? eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'approved'), eb('decided_by', '=', 'policy')])])
          : eb('status', '=', 'pending'),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async list(filter: { service?: string | undefined; environment?: string | undefined; environments?: readonly string[] | undefined; limit: number }): Promise<Decision[]> {
    let query = this.db.selectFrom('decisions').selectAll();
    if (filter.service) query = query.where('service', '=', filter.service);
    if (filter.environment) query = query.where('environment', '=', filter.environment);
    if (filter.environments) query = query.where('environment', 'in', filter.environments.length ? [...filter.environments] : ['\u0000none']);
    const rows = await query.orderBy('made_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map(toDecision);
  }
}
