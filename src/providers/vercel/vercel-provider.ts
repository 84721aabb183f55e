import { join } from 'node:path';
import { RipcordError } from '../../core/errors.js';
import { FileJournal, OncePerKey } from '../idempotency-journal.js';
import type { Provider, ProviderCapabilities, ReleaseRef, StepRequest, StepResult } from '../provider.js';
import { defineProvider } from '../provider-definition.js';
import type { ProviderDeps } from '../provider-deps.js';
import { assertKnownAction, throwIfAborted, waitFor, withRedactedErrors } from '../provider-support.js';
import { instanceStateDir } from '../state-file.js';
import { VercelApi, VercelApiError } from './vercel-api.js';
import { DEFAULT_VERCEL_POLL_MS, DEFAULT_VERCEL_WAIT_MS, VERCEL_API_URL, type VercelConfig, vercelConfigSchema } from './vercel-config.js';

const ACTIONS = ['rollback', 'promote', 'alias', 'snapshot'] as const;
/**
 * Instant rollback is "previous release"; a `{traffic: …}` step aliases the production domain (blue-green);
 * before a release it notes which deployment serves production, so "previous" is exact.
 */
const CAPABILITIES: ProviderCapabilities = { previousRelease: 'rollback', traffic: 'alias', snapshot: 'snapshot' };

/** How the snapshot of the production deployment before a release is recorded on the release. */
const SNAPSHOT_PURPOSE = 'vercel production deployment before release';

/**
 * Vercel through its REST API (@vercel/sdk). Every action that changes production is *accepted* by
 * Vercel first and done later, so the step succeeds only once `GET /v9/projects/{id}` shows the
 * target as `targets.production` (verify-after-accepted).
 */
export class VercelProvider implements Provider {
  readonly kind = 'vercel';
  readonly actions = ACTIONS;
  readonly capabilities = CAPABILITIES;
  private readonly api: VercelApi;
  private readonly once: OncePerKey;

  constructor(
    private readonly config: VercelConfig,
    deps: Pick<ProviderDeps, 'stateDir'>,
  ) {
    this.api = new VercelApi({ token: config.token, team: config.team, serverURL: config.api });
    this.once = new OncePerKey(new FileJournal(join(instanceStateDir(deps.stateDir, 'vercel', `${config.team ?? ''}/${config.project}`), 'journal')));
  }

  describe(request: Omit<StepRequest, 'signal' | 'log'>): string {
    assertKnownAction(this.kind, this.actions, request.action);
    const base = this.config.api ?? VERCEL_API_URL;
    const scope = this.config.team ? ` (team ${this.config.team})` : '';
    const project = this.config.project;
    const wait = `polling GET ${base}/v9/projects/${project} until targets.production is it (up to ${Math.round((this.config.wait ?? DEFAULT_VERCEL_WAIT_MS) / 1000)}s)`;
    switch (request.action) {
      case 'rollback': {
        const to = this.chosenTarget(request) ?? 'the previous production deployment (from GET /v7/deployments?projectId&target=production)';
        const hobby = this.config.plan === 'hobby' ? '; on the Hobby plan only the previous production deployment can be the target' : '';
        return `instant rollback of ${project}${scope} production to ${to}: POST ${base}/v1/projects/${project}/rollback/{deploymentId}, then ${wait}; Vercel then stops auto-promoting new production deployments until one is promoted${hobby}`;
      }
      case 'promote':
        return `promote ${this.deploymentOf(request.release) ?? `release ${request.release.version} (needs its Vercel deployment id)`} to production of ${project}${scope}: POST ${base}/v10/projects/${project}/promote/{deploymentId}, then ${wait}; this also turns automatic production promotion back on`;
      case 'alias': {
        const domain = this.domainFor(request);
        const to = this.aliasTarget(request) ?? `the Vercel deployment of ${request.target?.version ?? 'the target release'}`;
        return domain
          ? `point ${domain} at ${to} (vercel alias set): POST ${base}/v2/deployments/{deploymentId}/aliases {"alias":"${domain}"}`
          : `no provider.domain to alias: an instant rollback instead (${this.describe({ ...request, action: 'rollback' })})`;
      }
      default:
        return `note which deployment serves production of ${project}${scope} (GET ${base}/v9/projects/${project}) on the new release, so its rollback goes back exactly there`;
    }
  }

  async perform(request: StepRequest): Promise<StepResult> {
    assertKnownAction(this.kind, this.actions, request.action);
    throwIfAborted(request.signal, this.kind, request.action);
    return withRedactedErrors(() =>
      this.once.run(request.idempotencyKey, async () => {
        try {
          if (request.action === 'rollback') return await this.rollback(request);
          if (request.action === 'promote') return await this.promote(request);
          if (request.action === 'alias') return this.domainFor(request) ? await this.alias(request) : await this.rollback(request);
          return await this.snapshot(request);
        } catch (error) {
          throw this.explain(error, request);
        }
      }),
    );
  }

  private async rollback(request: StepRequest): Promise<StepResult> {
    const production = await this.api.production(this.config.project, request.signal);
    const target = this.chosenTarget(request) ?? (await this.previousDeployment(production.projectId, production.currentDeploymentId, request.signal));
    const from = production.currentDeploymentId;
    const started = Date.now();
    await this.accepted(() => this.api.requestRollback(production.projectId, target, `ripcord: roll back ${request.release.version} (step ${request.idempotencyKey})`, request.signal), production.projectId, request);
    const accepted = Date.now();
    request.log(`vercel: rollback to ${target} accepted`, { project: this.config.project });
    await this.untilCurrent(target, 'rollback', request);
    const acceptedToCurrentMs = Date.now() - accepted;
    const summary = `rolled production of ${this.config.project} back to ${target}${request.target ? ` (${request.target.version})` : ''}, current ${(acceptedToCurrentMs / 1000).toFixed(1)}s after Vercel accepted it; Vercel now does NOT auto-promote new production deployments: promote one (ripcord's "promote" action, POST /v10/projects/{id}/promote/{deploymentId}) once a fix lands`;
    return {
      summary,
      details: { deploymentId: target, previousDeploymentId: from, acceptedToCurrentMs, requestMs: accepted - started, autoPromotionPaused: true, undo: { action: 'promote', call: `POST /v10/projects/${production.projectId}/promote/{deploymentId}` } },
    };
  }

  private async promote(request: StepRequest): Promise<StepResult> {
    const deployment = (typeof request.params.deployment === 'string' ? request.params.deployment : undefined) ?? this.deploymentOf(request.release);
    if (!deployment) {
      throw new RipcordError('invalid_input', `vercel promote: release ${request.release.version} has no Vercel deployment id (record it with --deployment-id, or pass params.deployment)`, [{ path: 'release.providerDeploymentId', message: 'missing' }]);
    }
    const production = await this.api.production(this.config.project, request.signal);
    await this.accepted(() => this.api.requestPromote(production.projectId, deployment, request.signal), production.projectId, request);
    const accepted = Date.now();
    await this.untilCurrent(deployment, 'promote', request);
    const acceptedToCurrentMs = Date.now() - accepted;
    return {
      summary: `promoted ${deployment} (${request.release.version}) to production of ${this.config.project}, current ${(acceptedToCurrentMs / 1000).toFixed(1)}s after Vercel accepted it; automatic production promotion is on again`,
      details: { deploymentId: deployment, previousDeploymentId: production.currentDeploymentId, acceptedToCurrentMs, autoPromotionPaused: false },
    };
  }

  private async alias(request: StepRequest): Promise<StepResult> {
    const domain = this.domainFor(request) as string;
    const deployment = this.aliasTarget(request);
    if (!deployment) {
      throw new RipcordError('invalid_input', `vercel alias: ${request.target?.version ?? 'the target release'} has no Vercel deployment id to point ${domain} at`, [{ path: 'target.providerDeploymentId', message: 'missing' }]);
    }
    const { oldDeploymentId } = await this.api.assignAlias(deployment, domain, request.signal);
    return { summary: `pointed ${domain} at ${deployment}${oldDeploymentId ? ` (was ${oldDeploymentId})` : ''}`, details: { domain, deploymentId: deployment, previousDeploymentId: oldDeploymentId } };
  }

  private async snapshot(request: StepRequest): Promise<StepResult> {
    const production = await this.api.production(this.config.project, request.signal);
    if (!production.currentDeploymentId) return { summary: `${this.config.project} has no production deployment yet: nothing to note` };
    return {
      summary: `noted ${production.currentDeploymentId} as the production deployment of ${this.config.project} before ${request.target?.version ?? request.release.version}`,
      snapshots: [{ kind: 'artifact_backup', reference: `vercel:${production.projectId}/${production.currentDeploymentId}`, details: { purpose: SNAPSHOT_PURPOSE, provider: 'vercel', projectId: production.projectId, deploymentId: production.currentDeploymentId } }],
      details: { deploymentId: production.currentDeploymentId },
    };
  }

  /** Where a rollback goes, when the ledger knows: the target's deployment, or what production was before the release. */
  private chosenTarget(request: Pick<StepRequest, 'params' | 'release' | 'target'>): string | undefined {
    if (typeof request.params.deployment === 'string') return request.params.deployment;
    const fromTarget = request.target ? this.deploymentOf(request.target) : undefined;
    if (fromTarget) return fromTarget;
    const before = request.release.snapshots.find((s) => s.kind === 'artifact_backup' && s.details?.purpose === SNAPSHOT_PURPOSE);
    return typeof before?.details?.deploymentId === 'string' ? before.details.deploymentId : undefined;
  }

  private aliasTarget(request: Pick<StepRequest, 'params' | 'release' | 'target'>): string | undefined {
    if (typeof request.params.deployment === 'string') return request.params.deployment;
    return request.target ? this.deploymentOf(request.target) : undefined;
  }

  private deploymentOf(release: ReleaseRef): string | undefined {
    return release.providerDeploymentId ?? undefined;
  }

  private domainFor(request: Pick<StepRequest, 'params'>): string | undefined {
    return typeof request.params.domain === 'string' ? request.params.domain : this.config.domain;
  }

  /** The newest READY production deployment older than the current one: Vercel's "previous". */
  private async previousDeployment(projectId: string, current: string | undefined, signal: AbortSignal): Promise<string> {
    const list = await this.api.productionDeployments(projectId, 100, signal);
    const currentAt = list.find((d) => d.id === current)?.createdAt ?? Number.POSITIVE_INFINITY;
    const previous = list.find((d) => d.id !== current && d.readyState === 'READY' && d.createdAt < currentAt);
    if (!previous) throw new RipcordError('not_found', `vercel: ${this.config.project} has no earlier READY production deployment to roll back to (current: ${current ?? 'none'})`);
    return previous.id;
  }

  /** Sends a rollback/promote; on 409 (another job in progress) waits for that job, then sends it once more. */
  private async accepted(send: () => Promise<void>, projectId: string, request: StepRequest): Promise<void> {
    try {
      await send();
    } catch (error) {
      if (!(error instanceof VercelApiError) || error.status !== 409) throw error;
      request.log('vercel: another rollback or promote is in progress; waiting for it', { projectId });
      await this.untilIdle(request);
      await send();
    }
  }

  private async untilIdle(request: StepRequest): Promise<void> {
    const deadline = Date.now() + (this.config.wait ?? DEFAULT_VERCEL_WAIT_MS);
    for (;;) {
      const production = await this.api.production(this.config.project, request.signal);
      if (production.lastAliasRequest?.jobStatus !== 'in-progress') return;
      if (Date.now() > deadline) throw new RipcordError('unavailable', `vercel: a ${production.lastAliasRequest.type} to ${production.lastAliasRequest.toDeploymentId} has been in progress longer than the wait; nothing was changed by ripcord`);
      await waitFor(this.config.poll ?? DEFAULT_VERCEL_POLL_MS, request.signal);
    }
  }

  /** Accepted is not done: polls the project until production serves `deployment`, or the job failed, or the wait ran out. */
  private async untilCurrent(deployment: string, what: string, request: StepRequest): Promise<void> {
    const deadline = Date.now() + (this.config.wait ?? DEFAULT_VERCEL_WAIT_MS);
    for (;;) {
      const production = await this.api.production(this.config.project, request.signal);
      const job = production.lastAliasRequest;
      if (production.currentDeploymentId === deployment && (!job || job.toDeploymentId !== deployment || job.jobStatus === 'succeeded')) return;
      if (job?.toDeploymentId === deployment && job.jobStatus === 'failed') {
        throw new RipcordError('unavailable', `vercel accepted the ${what} to ${deployment} but its job failed; production is still ${production.currentDeploymentId ?? 'none'}`);
      }
      if (Date.now() > deadline) {
        throw new RipcordError('unavailable', `vercel accepted the ${what} to ${deployment}, but production still serves ${production.currentDeploymentId ?? 'nothing'} after ${Math.round((this.config.wait ?? DEFAULT_VERCEL_WAIT_MS) / 1000)}s; check the project's deployments page, then retry the step`);
      }
      await waitFor(this.config.poll ?? DEFAULT_VERCEL_POLL_MS, request.signal);
    }
  }

  /** Vercel's refusals in plain words, with what state things are in and what to do. */
  private explain(error: unknown, request: StepRequest): unknown {
    if (request.signal.aborted) return new RipcordError('unavailable', `vercel ${request.action} was aborted before it finished (${String(request.signal.reason instanceof Error ? request.signal.reason.message : request.signal.reason)})`);
    if (!(error instanceof VercelApiError)) return error;
    const said = `Vercel answered ${error.status} ${error.code}: ${error.message}`;
    const team = this.config.team ? ` and team ${this.config.team}` : '';
    if (error.status === 401 || error.status === 403) return new RipcordError('unavailable', `vercel ${request.action} refused (${said}): the token in provider.token needs access to project ${this.config.project}${team}; nothing was changed`);
    if (error.status === 404) return new RipcordError('not_found', `vercel ${request.action}: ${said} (project ${this.config.project}${team}); nothing was changed`);
    if (error.status === 402) return new RipcordError('invalid_input', `vercel ${request.action} refused by the plan (${said}): on the Hobby plan only the previous production deployment can be the rollback target; nothing was changed`);
    if (error.status === 429) return new RipcordError('unavailable', `vercel ${request.action}: rate limited (${said}${error.retryAfterMs !== undefined ? `, retry after ${Math.round(error.retryAfterMs / 1000)}s` : ''}); nothing was changed, the step can be retried`);
    if (error.status === 409) return new RipcordError('conflict', `vercel ${request.action}: ${said}; another rollback or promote is still running, retry once it finishes`);
    return new RipcordError('unavailable', `vercel ${request.action} failed (${said})`);
  }
}

export function createVercelProvider(config: VercelConfig, deps: Pick<ProviderDeps, 'stateDir'>): VercelProvider {
  return new VercelProvider(config, deps);
}

export const vercelProvider = defineProvider({
  kind: 'vercel',
  schema: vercelConfigSchema,
  capabilities: CAPABILITIES,
  summary: 'Vercel: instant rollback and promote of production, domain aliases for blue-green (REST API via @vercel/sdk)',
  starter: {
    provider: '{ kind: vercel, project: my-app, team: team_xxxxxxxx, token: ${VERCEL_TOKEN} }',
    comment: ['Vercel: previous_release is an instant rollback, verified until production serves it.', 'Token scope: the team that owns the project (see docs/providers/vercel.md).'],
  },
  create: (config, deps) => new VercelProvider(config, deps),
});
