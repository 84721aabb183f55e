import { join } from 'node:path';
import { RipcordError } from '../../core/errors.js';
import { FileJournal, OncePerKey } from '../idempotency-journal.js';
import type { Provider, ProviderCapabilities, StepRequest, StepResult } from '../provider.js';
import { defineProvider } from '../provider-definition.js';
import type { ProviderDeps } from '../provider-deps.js';
import { assertKnownAction, throwIfAborted, waitFor, withRedactedErrors } from '../provider-support.js';
import { instanceStateDir } from '../state-file.js';
import { RENDER_FINAL_STATUSES, RenderApi, RenderApiError } from './render-api.js';
import { DEFAULT_RENDER_POLL_MS, DEFAULT_RENDER_WAIT_MS, RENDER_API_URL, type RenderConfig, renderConfigSchema } from './render-config.js';

const ACTIONS = ['rollback', 'auto_deploy_on', 'auto_deploy_off', 'snapshot'] as const;
const CAPABILITIES: ProviderCapabilities = { previousRelease: 'rollback', snapshot: 'snapshot' };
const SNAPSHOT_PURPOSE = 'render live deploy before release';

/**
 * Render through its REST API (plain fetch: Render has no official Node SDK). A rollback creates a new
 * deploy from an earlier one's build; the step succeeds only once that deploy is `live`. Render's API
 * rollback leaves auto-deploy on (the next push would redeploy the bad commit), so it is turned off after.
 */
export class RenderProvider implements Provider {
  readonly kind = 'render';
  readonly actions = ACTIONS;
  readonly capabilities = CAPABILITIES;
  private readonly api: RenderApi;
  private readonly once: OncePerKey;

  constructor(
    private readonly config: RenderConfig,
    deps: Pick<ProviderDeps, 'stateDir'>,
  ) {
    this.api = new RenderApi({ token: config.token, baseUrl: config.api });
    this.once = new OncePerKey(new FileJournal(join(instanceStateDir(deps.stateDir, 'render', config.service), 'journal')));
  }

  describe(request: Omit<StepRequest, 'signal' | 'log'>): string {
    assertKnownAction(this.kind, this.actions, request.action);
    const base = this.config.api ?? RENDER_API_URL;
    const service = this.config.service;
    switch (request.action) {
      case 'rollback': {
        const to = this.chosenTarget(request) ?? 'the previous live deploy (from GET /services/{serviceId}/deploys)';
        const off = this.config.auto_deploy_off === false ? '' : `, then PATCH ${base}/services/${service} {"autoDeploy":"no"} (the API rollback leaves auto-deploy on)`;
        return `roll ${service} back to ${to}: POST ${base}/services/${service}/rollback {"deployId":…}, poll GET ${base}/services/${service}/deploys/{new deploy} until live (up to ${Math.round((this.config.wait ?? DEFAULT_RENDER_WAIT_MS) / 1000)}s)${off}`;
      }
      case 'auto_deploy_on':
        return `turn auto-deploy back on for ${service}: PATCH ${base}/services/${service} {"autoDeploy":"yes"}`;
      case 'auto_deploy_off':
        return `turn auto-deploy off for ${service}: PATCH ${base}/services/${service} {"autoDeploy":"no"}`;
      default:
        return `note the live deploy of ${service} (GET ${base}/services/${service}/deploys) on the new release, so its rollback goes back exactly there`;
    }
  }

  async perform(request: StepRequest): Promise<StepResult> {
    assertKnownAction(this.kind, this.actions, request.action);
    throwIfAborted(request.signal, this.kind, request.action);
    return withRedactedErrors(() =>
      this.once.run(request.idempotencyKey, async () => {
        try {
          if (request.action === 'rollback') return await this.rollback(request);
          if (request.action === 'snapshot') return await this.snapshot(request);
          const on = request.action === 'auto_deploy_on';
          const service = await this.api.setAutoDeploy(this.config.service, on, request.signal);
          return { summary: `auto-deploy is ${service.autoDeploy === 'yes' ? 'on' : 'off'} for ${this.config.service}`, details: { autoDeploy: service.autoDeploy } };
        } catch (error) {
          throw this.explain(error, request);
        }
      }),
    );
  }

  private async rollback(request: StepRequest): Promise<StepResult> {
    const deploys = await this.api.deploys(this.config.service, 100, request.signal);
    const live = deploys.find((d) => d.status === 'live');
    const target = this.chosenTarget(request) ?? this.previousDeploy(deploys, live?.id);
    const created = await this.api.rollback(this.config.service, target, request.signal);
    const accepted = Date.now();
    request.log(`render: rollback deploy ${created.id} created from ${target}`, { service: this.config.service });
    const deadline = accepted + (this.config.wait ?? DEFAULT_RENDER_WAIT_MS);
    let status = created.status;
    while (!RENDER_FINAL_STATUSES.has(status)) {
      if (Date.now() > deadline) {
        throw new RipcordError('unavailable', `render accepted the rollback (deploy ${created.id}) but it is still ${status} after ${Math.round((this.config.wait ?? DEFAULT_RENDER_WAIT_MS) / 1000)}s; ${live?.id ?? 'the previous deploy'} still serves; auto-deploy was not changed; watch the deploy in the dashboard, then retry the step`);
      }
      await waitFor(this.config.poll ?? DEFAULT_RENDER_POLL_MS, request.signal);
      status = (await this.api.deploy(this.config.service, created.id, request.signal)).status;
    }
    if (status !== 'live') {
      throw new RipcordError('unavailable', `render rollback deploy ${created.id} (from ${target}) ended ${status}, as Render reports it; ${live?.id ?? 'the previous deploy'} still serves; auto-deploy was not changed`);
    }
    const acceptedToCurrentMs = Date.now() - accepted;
    const turnOff = this.config.auto_deploy_off !== false;
    const service = turnOff ? await this.api.setAutoDeploy(this.config.service, false, request.signal) : await this.api.service(this.config.service, request.signal);
    const autoWords =
      service.autoDeploy === 'no'
        ? `; auto-deploy is now OFF (Render's API rollback leaves it on, so the next push would redeploy the bad commit): turn it back on with ripcord's "auto_deploy_on" action (PATCH /v1/services/${this.config.service} {"autoDeploy":"yes"}) once a fix lands`
        : '; auto-deploy is still ON: the next push to the branch redeploys';
    return {
      summary: `rolled ${this.config.service} back to ${target}${request.target ? ` (${request.target.version})` : ''}: deploy ${created.id} is live ${(acceptedToCurrentMs / 1000).toFixed(1)}s after Render accepted it${autoWords}`,
      details: { deployId: created.id, fromDeployId: target, previousLiveDeployId: live?.id, acceptedToCurrentMs, autoDeploy: service.autoDeploy, undo: service.autoDeploy === 'no' ? { action: 'auto_deploy_on' } : undefined },
    };
  }

  private async snapshot(request: StepRequest): Promise<StepResult> {
    const live = (await this.api.deploys(this.config.service, 20, request.signal)).find((d) => d.status === 'live');
    if (!live) return { summary: `${this.config.service} has no live deploy yet: nothing to note` };
    return {
      summary: `noted deploy ${live.id} as live on ${this.config.service} before ${request.target?.version ?? request.release.version}`,
      snapshots: [{ kind: 'artifact_backup', reference: `render:${this.config.service}/${live.id}`, details: { purpose: SNAPSHOT_PURPOSE, provider: 'render', serviceId: this.config.service, deployId: live.id } }],
      details: { deployId: live.id },
    };
  }

  private chosenTarget(request: Pick<StepRequest, 'params' | 'release' | 'target'>): string | undefined {
    if (typeof request.params.deploy === 'string') return request.params.deploy;
    if (request.target?.providerDeploymentId) return request.target.providerDeploymentId;
    const before = request.release.snapshots.find((s) => s.kind === 'artifact_backup' && s.details?.purpose === SNAPSHOT_PURPOSE);
    return typeof before?.details?.deployId === 'string' ? before.details.deployId : undefined;
  }

  /** The newest deploy before the live one that once went live (now `deactivated`). */
  private previousDeploy(deploys: { id: string; status: string }[], live: string | undefined): string {
    const after = live ? deploys.findIndex((d) => d.id === live) + 1 : 0;
    const previous = deploys.slice(after).find((d) => d.status === 'deactivated');
    if (!previous) throw new RipcordError('not_found', `render: ${this.config.service} has no earlier deploy that went live to roll back to (live: ${live ?? 'none'})`);
    return previous.id;
  }

  private explain(error: unknown, request: StepRequest): unknown {
    if (request.signal.aborted) return new RipcordError('unavailable', `render ${request.action} was aborted before it finished`);
    if (!(error instanceof RenderApiError)) return error;
    const said = `Render answered ${error.status}: ${error.message}`;
    if (error.status === 401 || error.status === 403) return new RipcordError('unavailable', `render ${request.action} refused (${said}): the API key in provider.token needs access to service ${this.config.service}; nothing was changed`);
    if (error.status === 404) return new RipcordError('not_found', `render ${request.action}: ${said} (service ${this.config.service}); nothing was changed`);
    if (error.status === 409) return new RipcordError('conflict', `render ${request.action}: ${said}; another deploy is running, retry once it finishes`);
    if (error.status === 429) return new RipcordError('unavailable', `render ${request.action}: rate limited (${said}); nothing was changed, the step can be retried`);
    return new RipcordError('unavailable', `render ${request.action} failed (${said})`);
  }
}

export const renderProvider = defineProvider({
  kind: 'render',
  schema: renderConfigSchema,
  capabilities: CAPABILITIES,
  summary: 'Render: roll a service back to an earlier deploy, wait until live, turn auto-deploy off (REST API, fetch)',
  starter: {
    provider: '{ kind: render, service: srv-xxxxxxxxxxxxxxxxxxxx, token: ${RENDER_API_KEY} }',
    comment: ['Render: previous_release rolls back to the last live deploy, then turns auto-deploy off.', 'API key: of a workspace member who can deploy the service (see docs/providers/render.md).'],
  },
  create: (config, deps) => new RenderProvider(config, deps),
});
