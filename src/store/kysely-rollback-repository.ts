import type { Kysely, Selectable } from 'kysely';
import type { PlanStatus, PlanStep, RollbackPlan, StepStatus } from '../rollbacks/rollback-plan.js';
import type { PlanPatch, RollbackRepository, StepPatch } from '../rollbacks/rollback-repository.js';
import type { Database, RollbackTables } from './schema.js';

const optional = <T>(value: T | null): T | undefined => value ?? undefined;
type StepRow = Selectable<RollbackTables['rollback_steps']>;
type PlanRow = Selectable<RollbackTables['rollback_plans']>;

function toStep(row: StepRow): PlanStep {
  return {
    index: Number(row.step_index),
    phase: row.phase as PlanStep['phase'],
    name: row.name,
    definition: JSON.parse(row.definition),
    status: row.status as StepStatus,
    attempts: Number(row.attempts),
    usedFallback: Number(row.used_fallback) === 1,
    summary: optional(row.summary),
    error: optional(row.error),
    startedAt: optional(row.started_at),
    finishedAt: optional(row.finished_at),
    durationMs: row.duration_ms === null ? undefined : Number(row.duration_ms),
  };
}

function toPlan(row: PlanRow, steps: PlanStep[]): RollbackPlan {
  return {
    id: row.id,
    service: row.service,
    environment: row.environment,
    releaseId: optional(row.release_id),
    targetReleaseId: optional(row.target_release_id),
    reason: row.reason,
    actor: row.actor,
    severity: optional(row.severity),
    status: row.status as PlanStatus,
    state: optional(row.state),
    createdAt: row.created_at,
    startedAt: optional(row.started_at),
    finishedAt: optional(row.finished_at),
    steps,
  };
}

/** Plans, step log and leases on Kysely: the same SQL for SQLite and PostgreSQL. */
export class KyselyRollbackRepository implements RollbackRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertPlan(plan: RollbackPlan): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('rollback_plans')
        .values({
          id: plan.id,
          service: plan.service,
          environment: plan.environment,
          release_id: plan.releaseId ?? null,
          target_release_id: plan.targetReleaseId ?? null,
          reason: plan.reason,
          actor: plan.actor,
          severity: plan.severity ?? null,
          status: plan.status,
          state: plan.state ?? null,
          created_at: plan.createdAt,
          started_at: plan.startedAt ?? null,
          finished_at: plan.finishedAt ?? null,
        })
        .execute();
      for (const step of plan.steps) {
        await trx
          .insertInto('rollback_steps')
          .values({
            plan_id: plan.id,
            step_index: step.index,
            phase: step.phase,
            name: step.name,
            definition: JSON.stringify(step.definition),
            status: step.status,
            attempts: step.attempts,
            used_fallback: step.usedFallback ? 1 : 0,
            summary: step.summary ?? null,
            error: step.error ?? null,
            started_at: step.startedAt ?? null,
            finished_at: step.finishedAt ?? null,
            duration_ms: step.durationMs ?? null,
          })
          .execute();
      }
    });
  }

  async updatePlan(id: string, patch: PlanPatch): Promise<void> {
    await this.db
      .updateTable('rollback_plans')
      .set({
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.state !== undefined ? { state: patch.state } : {}),
        ...(patch.startedAt !== undefined ? { started_at: patch.startedAt } : {}),
        ...(patch.finishedAt !== undefined ? { finished_at: patch.finishedAt } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  async updateStep(planId: string, index: number, patch: StepPatch): Promise<void> {
    const set: Partial<StepRow> = {};
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.attempts !== undefined) set.attempts = patch.attempts;
    if (patch.usedFallback !== undefined) set.used_fallback = patch.usedFallback ? 1 : 0;
    if ('summary' in patch) set.summary = patch.summary ?? null;
    if ('error' in patch) set.error = patch.error ?? null;
    if (patch.startedAt !== undefined) set.started_at = patch.startedAt;
    if (patch.finishedAt !== undefined) set.finished_at = patch.finishedAt;
    if (patch.durationMs !== undefined) set.duration_ms = patch.durationMs;
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable('rollback_steps').set(set).where('plan_id', '=', planId).where('step_index', '=', index).execute();
  }

  async getPlan(id: string): Promise<RollbackPlan | undefined> {
    const row = await this.db.selectFrom('rollback_plans').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toPlan(row, await this.stepsOf(id)) : undefined;
  }

  async listPlans(filter: { service?: string | undefined; environment?: string | undefined; environments?: readonly string[] | undefined; statuses?: readonly PlanStatus[] | undefined; limit: number }): Promise<RollbackPlan[]> {
    let query = this.db.selectFrom('rollback_plans').selectAll();
    if (filter.service) query = query.where('service', '=', filter.service);
    if (filter.environment) query = query.where('environment', '=', filter.environment);
    if (filter.environments) query = query.where('environment', 'in', filter.environments.length ? [...filter.environments] : ['\u0000none']);
    if (filter.statuses?.length) query = query.where('status', 'in', [...filter.statuses]);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return Promise.all(rows.map(async (row) => toPlan(row, await this.stepsOf(row.id))));
  }

  async acquireLease(name: string, holder: string, now: string, expiresAt: string): Promise<boolean> {
    await this.db.insertInto('leases').values({ name, holder, expires_at: expiresAt }).onConflict((oc) => oc.column('name').doNothing()).execute();
    // One conditional UPDATE: both databases lock the row, so two contenders cannot both win an expired lease.
    await this.db
      .updateTable('leases')
      .set({ holder, expires_at: expiresAt })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('holder', '=', holder), eb('expires_at', '<', now)]))
      .execute();
    const row = await this.db.selectFrom('leases').select('holder').where('name', '=', name).executeTakeFirst();
    return row?.holder === holder;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }

  private async stepsOf(planId: string): Promise<PlanStep[]> {
    const rows = await this.db.selectFrom('rollback_steps').selectAll().where('plan_id', '=', planId).orderBy('step_index').execute();
    return rows.map(toStep);
  }
}
