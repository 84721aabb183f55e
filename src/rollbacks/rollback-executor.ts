import { randomUUID } from 'node:crypto';
import type { RipcordConfig } from '../config/ripcord-config.js';
import { type Clock, systemClock } from '../core/clock.js';
import { notFound, RipcordError } from '../core/errors.js';
import type { EventBus, RipcordEvent } from '../core/events.js';
import { newId } from '../core/ids.js';
import { redact } from '../core/secrets.js';
import type { Ledger } from '../deployments/ledger.js';
import type { ReleaseDetails } from '../deployments/release.js';
import type { Provider, ReleaseRef, StepResult } from '../providers/provider.js';
import { buildPlanSteps } from './plan-builder.js';
import { type PlanStep, type RollbackPlan, stepKey } from './rollback-plan.js';
import type { RollbackRepository } from './rollback-repository.js';
import { runWithRetries } from './run-with-retries.js';

/** The providers one environment's plan may use, by slot: `main`, `command`, `database`, `config`, `git`, `flags`, `verify`. */
export type ProviderSet = Record<string, Provider | undefined>;

export interface RollbackRequest {
  environment: string;
  /** Roll back to this version instead of the last known good release. */
  to?: string | undefined;
  reason: string;
  actor: string;
  severity?: string | undefined;
  /** Skips the cooldown (never the "not to a rolled-back release" rule). */
  force?: boolean | undefined;
}

export interface PreparedPlan {
  plan: RollbackPlan;
  release: ReleaseDetails;
  target: ReleaseDetails;
  /** What each step would do, in words (`--dry-run`). */
  descriptions: string[];
}

export interface RollbackExecutorOptions {
  repository: RollbackRepository;
  ledger: Ledger;
  events: EventBus;
  config: RipcordConfig;
  providers: (environment: string) => ProviderSet;
  clock?: Clock | undefined;
  /** Who holds leases: one id per running server. */
  holder?: string | undefined;
  leaseMs?: number | undefined;
  /** No second automatic rollback of an environment within this time of the last one (anti-loop). Default 10 min. */
  cooldownMs?: number | undefined;
  backoffMs?: number | undefined;
  logger?: { info(obj: object, msg: string): void; error(obj: object, msg: string): void } | undefined;
}

const OPEN: RollbackPlan['status'][] = ['pending', 'running'];

/**
 * The durable executor. Each step's state is written before and after it runs, so after a crash
 * `resumeUnfinished` continues the plan and a step that succeeded never runs again; a step that was
 * running is run again with the same idempotency key, which providers honour.
 */
export class RollbackExecutor {
  private readonly clock: Clock;
  readonly holder: string;
  private readonly leaseMs: number;
  private readonly cooldownMs: number;
  private readonly backoffMs: number;
  private readonly running = new Map<string, Promise<RollbackPlan>>();

  constructor(private readonly options: RollbackExecutorOptions) {
    this.clock = options.clock ?? systemClock;
    this.holder = options.holder ?? `ripcord-${randomUUID()}`;
    this.leaseMs = options.leaseMs ?? 15_000;
    this.cooldownMs = options.cooldownMs ?? 10 * 60_000;
    this.backoffMs = options.backoffMs ?? 500;
  }

  /** The plan that would run now, with the target release and every step described; nothing is saved. */
  async prepare(request: RollbackRequest): Promise<PreparedPlan> {
    const service = this.options.config.service;
    const env = this.options.config.environments[request.environment];
    if (!env) {
      throw new RipcordError('not_found', `environment "${request.environment}" is not in ripcord.yaml (known: ${Object.keys(this.options.config.environments).join(', ')})`);
    }
    const summary = (await this.options.ledger.summary([{ service, environment: request.environment }])).find(
      (entry) => entry.service === service && entry.environment === request.environment,
    );
    const current = summary?.current;
    if (!current) throw new RipcordError('conflict', `nothing to roll back: no release of ${service} is recorded in ${request.environment}`);
    const release = await this.options.ledger.get(current.id);
    const target = await this.resolveTarget(service, request, release, summary?.lastKnownGood?.id);
    await this.assertInterlocks(service, request);
    const now = this.clock.now().toISOString();
    const plan: RollbackPlan = {
      id: newId('rbk', this.clock.now()),
      service,
      environment: request.environment,
      releaseId: release.id,
      targetReleaseId: target.id,
      reason: request.reason,
      actor: request.actor,
      severity: request.severity,
      status: 'pending',
      createdAt: now,
      steps: buildPlanSteps(env),
    };
    const providers = this.providersFor(request.environment);
    const descriptions = plan.steps.map((step) => {
      const provider = providers[step.definition.provider];
      if (!provider) return `(no ${step.definition.provider} provider configured: this step would fail)`;
      const request = {
        action: step.definition.action,
        params: step.definition.params,
        release: toRef(step.phase === 'verify' ? target : release),
        target: toRef(target),
        idempotencyKey: stepKey(plan.id, step.index),
      };
      try {
        const text = provider.describe(request);
        const fallback = step.definition.fallback;
        const fallbackProvider = fallback ? providers[fallback.provider] : undefined;
        return fallback && fallbackProvider ? `${text}; if it fails: ${fallbackProvider.describe({ ...request, action: fallback.action, params: fallback.params })}` : text;
      } catch (error) {
        return `(cannot describe: ${(error as Error).message})`;
      }
    });
    return { plan, release, target, descriptions };
  }

  /** Saves the plan and runs it in the background; `wait(plan.id)` resolves when it has finished. */
  async start(request: RollbackRequest): Promise<RollbackPlan> {
    const { plan } = await this.prepare(request);
    await this.options.repository.insertPlan(plan);
    this.launch(plan.id);
    return plan;
  }

  async wait(planId: string): Promise<RollbackPlan> {
    return (await this.running.get(planId)) ?? this.get(planId);
  }

  async get(planId: string): Promise<RollbackPlan> {
    const plan = await this.options.repository.getPlan(planId);
    if (!plan) throw notFound(`rollback plan ${planId}`);
    return plan;
  }

  async list(filter: { environment?: string | undefined; environments?: readonly string[] | undefined; limit?: number | undefined } = {}): Promise<RollbackPlan[]> {
    return this.options.repository.listPlans({ service: this.options.config.service, environment: filter.environment, environments: filter.environments, limit: Math.min(filter.limit ?? 20, 200) });
  }

  /** On start: continue every plan a crash (or a lost lease) left unfinished. */
  async resumeUnfinished(): Promise<string[]> {
    const open = await this.options.repository.listPlans({ service: this.options.config.service, statuses: OPEN, limit: 200 });
    for (const plan of open) this.launch(plan.id);
    return open.map((plan) => plan.id);
  }

  /** "Stop all new deployments": refused while a P0/P1 rollback is open (or failed and left the environment unsettled). */
  async assertReleaseAllowed(environment: string, force = false): Promise<void> {
    if (force) return;
    const [latest] = await this.options.repository.listPlans({ service: this.options.config.service, environment, limit: 1 });
    if (!latest || !['P0', 'P1'].includes(latest.severity ?? '')) return;
    if (latest.status === 'pending' || latest.status === 'running' || latest.status === 'failed') {
      throw new RipcordError(
        'conflict',
        `new releases of ${environment} are stopped: ${latest.severity} rollback ${latest.id} is ${latest.status === 'failed' ? 'failed and unresolved' : 'open'} (${latest.reason}); pass --force to release anyway`,
      );
    }
  }

  /** Executes the policy's rollback decisions as they are made. */
  subscribe(): () => void {
    return this.options.events.subscribe(async (event: RipcordEvent) => {
      if (event.type !== 'decision.made' || event.action !== 'rollback') return;
      if (event.service !== this.options.config.service) return;
      await this.start({ environment: event.environment, reason: event.explanation, actor: 'ripcord policy', severity: event.severity });
    });
  }

  private launch(planId: string): void {
    if (this.running.has(planId)) return;
    const run = this.run(planId)
      .catch((error) => {
        this.options.logger?.error({ err: error, planId }, 'rollback plan could not run');
        return this.get(planId);
      })
      .finally(() => this.running.delete(planId));
    this.running.set(planId, run);
  }

  /** Runs (or continues) one plan under the environment's lease. */
  async run(planId: string): Promise<RollbackPlan> {
    let plan = await this.get(planId);
    const lease = `rollback:${plan.service}/${plan.environment}`;
    // After a crash the dead server's lease stays until it expires: wait for it (or for another server to finish the plan).
    const giveUpAt = Date.now() + 3 * this.leaseMs;
    for (;;) {
      if (!OPEN.includes(plan.status)) return plan;
      if (await this.takeLease(lease)) break;
      if (Date.now() > giveUpAt) {
        throw new RipcordError('conflict', `another ripcord server is running a rollback of ${plan.service}/${plan.environment} (lease ${lease} is held)`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(50, this.leaseMs / 4)));
      plan = await this.get(planId);
    }
    plan = await this.get(planId);
    if (!OPEN.includes(plan.status)) {
      await this.options.repository.releaseLease(lease, this.holder);
      return plan;
    }
    const renew = setInterval(() => void this.takeLease(lease).catch(() => undefined), Math.max(50, this.leaseMs / 3));
    try {
      return await this.execute(plan);
    } finally {
      clearInterval(renew);
      await this.options.repository.releaseLease(lease, this.holder).catch(() => undefined);
    }
  }

  private async takeLease(name: string): Promise<boolean> {
    const now = this.clock.now();
    return this.options.repository.acquireLease(name, this.holder, now.toISOString(), new Date(now.getTime() + this.leaseMs).toISOString());
  }

  private async execute(plan: RollbackPlan): Promise<RollbackPlan> {
    const repo = this.options.repository;
    const startedMs = plan.startedAt ? Date.parse(plan.startedAt) : this.clock.now().getTime();
    if (plan.status === 'pending') {
      const startedAt = this.clock.now().toISOString();
      await repo.updatePlan(plan.id, { status: 'running', startedAt });
      await this.publish(plan, { type: 'rollback.started', planId: plan.id, targetReleaseId: plan.targetReleaseId, reason: plan.reason, actor: plan.actor });
    }
    const providers = this.providersFor(plan.environment);
    const release = plan.releaseId ? await this.options.ledger.get(plan.releaseId) : undefined;
    let target = plan.targetReleaseId ? await this.options.ledger.get(plan.targetReleaseId) : undefined;
    if (!release || !target) throw new RipcordError('internal', `plan ${plan.id} names releases the ledger does not have`);

    let failed: PlanStep | undefined;
    let ledgerMoved = false;
    for (const step of plan.steps) {
      if (step.phase === 'verify' && !failed && !ledgerMoved) {
        target = await this.moveLedger(plan, release, target);
        ledgerMoved = true;
      }
      if (step.status === 'succeeded' || step.status === 'skipped') continue;
      if (failed) {
        await repo.updateStep(plan.id, step.index, { status: 'skipped', summary: `skipped: step ${failed.index + 1} failed` });
        await this.publish(plan, { type: 'rollback.step', planId: plan.id, step: step.name, status: 'skipped' });
        continue;
      }
      const ok = await this.runStep(plan, step, providers, step.phase === 'verify' ? target : release, target);
      if (!ok) failed = step;
    }
    if (!failed && !ledgerMoved) target = await this.moveLedger(plan, release, target);

    const verifySteps = plan.steps.filter((step) => step.phase === 'verify');
    const rollbackFailed = failed?.phase === 'rollback';
    if (verifySteps.length && !rollbackFailed) {
      const passed = !failed;
      await this.publish(plan, {
        type: 'verification.finished',
        planId: plan.id,
        passed,
        explanation: passed ? `${verifySteps.length} verification step(s) passed` : `verification failed at "${failed?.name}": ${failed?.error}`,
      });
      if (passed && target.status === 'live') target = await this.options.ledger.transition(target.id, 'verified', plan.actor, `verified by rollback ${plan.id}`);
    }
    const state = failed
      ? rollbackFailed
        ? `rollback stopped at step ${failed.index + 1} "${failed.name}" (${failed.error}); ${release.version} may still be serving ${plan.environment}: a person must take over`
        : `${target.version} is live again but NOT verified: "${failed.name}" failed (${failed.error}); ${release.version} is rolled back`
      : `${target.version} is live${verifySteps.length ? ' and verified' : ' (no verification configured)'}; ${release.version} is rolled back`;
    const outcome = failed ? 'failed' : 'succeeded';
    await repo.updatePlan(plan.id, { status: outcome, state, finishedAt: this.clock.now().toISOString() });
    await this.publish(plan, { type: 'rollback.finished', planId: plan.id, outcome, durationMs: Math.max(0, this.clock.now().getTime() - startedMs), state });
    return this.get(plan.id);
  }

  /** The bad release becomes rolled_back and the target live again; safe to repeat after a crash. */
  private async moveLedger(plan: RollbackPlan, release: ReleaseDetails, target: ReleaseDetails): Promise<ReleaseDetails> {
    const ledger = this.options.ledger;
    const bad = await ledger.get(release.id);
    const why = `rollback ${plan.id}: ${plan.reason}`;
    if (bad.status === 'live' || bad.status === 'verified') await ledger.transition(bad.id, 'rolled_back', plan.actor, why);
    else if (bad.status === 'deploying') await ledger.transition(bad.id, 'failed', plan.actor, why);
    const good = await ledger.get(target.id);
    if (good.status === 'superseded') return ledger.transition(good.id, 'live', plan.actor, `put back by rollback ${plan.id}`);
    return good;
  }

  private async runStep(plan: RollbackPlan, step: PlanStep, providers: ProviderSet, release: ReleaseDetails, target: ReleaseDetails): Promise<boolean> {
    const repo = this.options.repository;
    const definition = step.definition;
    const startedAt = this.clock.now().toISOString();
    const started = performance.now();
    let attempts = step.attempts;
    await repo.updateStep(plan.id, step.index, { status: 'running', startedAt });
    await this.publish(plan, { type: 'rollback.step', planId: plan.id, step: step.name, status: 'running' });
    const log = (message: string, data?: Record<string, unknown>) => this.options.logger?.info({ planId: plan.id, step: step.index, ...data }, redact(message));
    const attempt = async (action: { provider: string; action: string; params: Record<string, unknown> }, fallback: boolean) => {
      const provider = providers[action.provider];
      if (!provider) throw new RipcordError('config_invalid', `no ${action.provider} provider is configured for ${plan.environment}, so "${step.name}" cannot run`);
      return runWithRetries(
        (signal) =>
          provider.perform({
            action: action.action,
            params: action.params,
            release: toRef(release),
            target: toRef(target),
            idempotencyKey: stepKey(plan.id, step.index, fallback),
            signal,
            log,
          }),
        {
          timeoutMs: definition.timeoutMs,
          retries: definition.retries,
          backoffMs: this.backoffMs,
          onAttempt: async () => {
            attempts += 1;
            await repo.updateStep(plan.id, step.index, { attempts });
          },
          onRetry: (n, error, waitMs) => log(`attempt ${n} failed (${(error as Error).message}); retrying in ${waitMs}ms`),
        },
      );
    };
    let usedFallback = false;
    let outcome: StepResult | undefined;
    let error: string | undefined;
    try {
      outcome = await attempt(definition, false);
    } catch (first) {
      error = redact((first as Error).message);
      if (definition.fallback) {
        usedFallback = true;
        try {
          const result = await attempt(definition.fallback, true);
          outcome = { ...result, summary: `${result.summary} (fallback, after: ${error})` };
          error = undefined;
        } catch (second) {
          error = `${error}; fallback failed too: ${redact((second as Error).message)}`;
        }
      }
    }
    // Safeguards a step took (an emergency backup before a restore) belong on the release record.
    for (const snapshot of outcome?.snapshots ?? []) await this.options.ledger.addSnapshot(release.id, snapshot, plan.actor).catch(() => undefined);
    const durationMs = Math.round(performance.now() - started);
    const finishedAt = this.clock.now().toISOString();
    const status = outcome ? 'succeeded' : 'failed';
    await repo.updateStep(plan.id, step.index, { status, usedFallback, summary: outcome?.summary, error, finishedAt, durationMs });
    step.status = status;
    step.error = error;
    await this.publish(plan, { type: 'rollback.step', planId: plan.id, step: step.name, status, durationMs, detail: outcome?.summary ?? error });
    return status === 'succeeded';
  }

  private async resolveTarget(service: string, request: RollbackRequest, release: ReleaseDetails, lastKnownGoodId: string | undefined): Promise<ReleaseDetails> {
    const ledger = this.options.ledger;
    let candidate: ReleaseDetails | undefined;
    if (request.to) {
      const page = await ledger.list({ service, environment: request.environment, limit: 200 });
      const match = page.releases.find((r) => r.version === request.to && r.id !== release.id);
      if (!match) throw new RipcordError('not_found', `no earlier release ${request.to} of ${service} is recorded in ${request.environment}`);
      candidate = await ledger.get(match.id);
    } else if (lastKnownGoodId && lastKnownGoodId !== release.id) {
      candidate = await ledger.get(lastKnownGoodId);
    } else if (release.previousReleaseId) {
      candidate = await ledger.get(release.previousReleaseId);
    }
    if (!candidate) throw new RipcordError('conflict', `no release to roll back to: ${release.version} is the only (or the last known good) release of ${service} in ${request.environment}`);
    if (candidate.status === 'rolled_back' || candidate.status === 'failed') {
      throw new RipcordError('conflict', `refusing to roll back to ${candidate.version} (${candidate.id}): it was itself ${candidate.status === 'failed' ? 'a failed release' : 'rolled back'}`);
    }
    return candidate;
  }

  private async assertInterlocks(service: string, request: RollbackRequest): Promise<void> {
    const recent = await this.options.repository.listPlans({ service, environment: request.environment, limit: 5 });
    const open = recent.find((plan) => OPEN.includes(plan.status));
    if (open) throw new RipcordError('conflict', `rollback ${open.id} of ${request.environment} is already ${open.status}; one plan at a time per environment`);
    if (request.force) return;
    const last = recent.find((plan) => plan.status === 'succeeded' && plan.finishedAt);
    if (last?.finishedAt) {
      const since = this.clock.now().getTime() - Date.parse(last.finishedAt);
      if (since < this.cooldownMs) {
        throw new RipcordError(
          'conflict',
          `rollback ${last.id} of ${request.environment} finished ${Math.round(since / 1000)}s ago; the ${Math.round(this.cooldownMs / 60_000)}-minute cooldown guards against rollback loops (pass --force to override)`,
        );
      }
    }
  }

  private providersFor(environment: string): ProviderSet {
    return this.options.providers(environment);
  }

  private async publish(plan: RollbackPlan, event: Record<string, unknown> & { type: RipcordEvent['type'] }): Promise<void> {
    await this.options.events.publish({
      at: this.clock.now().toISOString(),
      service: plan.service,
      environment: plan.environment,
      releaseId: plan.releaseId,
      ...event,
    } as RipcordEvent);
  }
}

export function toRef(release: ReleaseDetails): ReleaseRef {
  return {
    id: release.id,
    service: release.service,
    environment: release.environment,
    version: release.version,
    commit: release.commit,
    providerDeploymentId: release.providerDeploymentId,
    artifact: release.artifact,
    snapshots: release.snapshots,
  };
}
