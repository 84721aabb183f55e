import { join } from 'node:path';
import { RipcordError } from '../../core/errors.js';
import { FileJournal, OncePerKey } from '../idempotency-journal.js';
import type { Provider, ProviderCapabilities, StepRequest, StepResult } from '../provider.js';
import { defineProvider } from '../provider-definition.js';
import type { ProviderDeps } from '../provider-deps.js';
import { assertKnownAction, throwIfAborted, waitFor, withRedactedErrors } from '../provider-support.js';
import { instanceStateDir } from '../state-file.js';
import { NetlifyApi, NetlifyApiError } from './netlify-api.js';
import { DEFAULT_NETLIFY_POLL_MS, DEFAULT_NETLIFY_WAIT_MS, NETLIFY_API_URL, type NetlifyConfig, netlifyConfigSchema } from './netlify-config.js';

const ACTIONS = ['restore', 'rollback', 'lock', 'unlock', 'snapshot'] as const;
/** Restoring the last good deploy is "previous release"; before a release it notes the published deploy. */
const CAPABILITIES: ProviderCapabilities = { previousRelease: 'restore', snapshot: 'snapshot' };
const SNAPSHOT_PURPOSE = 'netlify published deploy before release';

/**
 * Netlify through its API (@netlify/api). A restore or rollback publishes asynchronously: the step
 * succeeds only once the site's `published_deploy` is the target; then auto-publishing is locked, so
 * the next git push does not publish the bad commit again (`unlock` is the way back).
 */
export class NetlifyProvider implements Provider {
  readonly kind = 'netlify';
  readonly actions = ACTIONS;
  readonly capabilities = CAPABILITIES;
  private readonly api: NetlifyApi;
  private readonly once: OncePerKey;

  constructor(
    private readonly config: NetlifyConfig,
    deps: Pick<ProviderDeps, 'stateDir'>,
  ) {
    this.api = new NetlifyApi({ token: config.token, baseUrl: config.api });
    this.once = new OncePerKey(new FileJournal(join(instanceStateDir(deps.stateDir, 'netlify', config.site), 'journal')));
  }

  describe(request: Omit<StepRequest, 'signal' | 'log'>): string {
    assertKnownAction(this.kind, this.actions, request.action);
    const base = this.config.api ?? NETLIFY_API_URL;
    const site = this.config.site;
    const wait = `poll GET ${base}/sites/${site} until published_deploy is it (up to ${Math.round((this.config.wait ?? DEFAULT_NETLIFY_WAIT_MS) / 1000)}s)`;
    const lock = this.config.lock === false ? '' : `, then POST ${base}/deploys/{deploy_id}/lock so the next git push does not publish over it`;
    switch (request.action) {
      case 'restore': {
        const to = this.chosenTarget(request) ?? 'the previous production deploy (from GET /sites/{site_id}/deploys?production=true)';
        return `publish ${to} again on ${site}: POST ${base}/sites/${site}/deploys/{deploy_id}/restore, ${wait}${lock}`;
      }
      case 'rollback':
        return `publish the previously published deploy of ${site}: PUT ${base}/sites/${site}/rollback, ${wait}${lock}`;
      case 'lock':
        return `stop auto-publishing on ${site}: POST ${base}/deploys/{published deploy}/lock`;
      case 'unlock':
        return `resume auto-publishing on ${site}: POST ${base}/deploys/{published deploy}/unlock (the next git push publishes again)`;
      default:
        return `note the published deploy of ${site} (GET ${base}/sites/${site}) on the new release, so its rollback goes back exactly there`;
    }
  }

  async perform(request: StepRequest): Promise<StepResult> {
    assertKnownAction(this.kind, this.actions, request.action);
    throwIfAborted(request.signal, this.kind, request.action);
    return withRedactedErrors(() =>
      this.once.run(request.idempotencyKey, async () => {
        try {
          if (request.action === 'restore') return await this.restore(request);
          if (request.action === 'rollback') return await this.rollback(request);
          if (request.action === 'lock' || request.action === 'unlock') return await this.setLock(request, request.action === 'lock');
          return await this.snapshot(request);
        } catch (error) {
          throw this.explain(error, request);
        }
      }),
    );
  }

  private async restore(request: StepRequest): Promise<StepResult> {
    const site = await this.api.site(this.config.site, request.signal);
    const target = this.chosenTarget(request) ?? (await this.previousDeploy(site.id, site.publishedDeploy?.id, request.signal));
    await this.accepted(() => this.api.restore(site.id, target, request.signal), request);
    return this.afterPublish(request, site.id, site.publishedDeploy?.id, target, 'restored');
  }

  private async rollback(request: StepRequest): Promise<StepResult> {
    const site = await this.api.site(this.config.site, request.signal);
    const from = site.publishedDeploy?.id;
    await this.accepted(() => this.api.rollback(site.id, request.signal), request);
    return this.afterPublish(request, site.id, from, undefined, 'rolled back to');
  }

  /** Accepted is not done: wait until the site serves the deploy (or, for a rollback, any other one), then lock. */
  private async afterPublish(request: StepRequest, siteId: string, from: string | undefined, target: string | undefined, verb: string): Promise<StepResult> {
    const accepted = Date.now();
    const deadline = accepted + (this.config.wait ?? DEFAULT_NETLIFY_WAIT_MS);
    let published: string | undefined;
    for (;;) {
      published = (await this.api.site(siteId, request.signal)).publishedDeploy?.id;
      if (target ? published === target : published !== from) break;
      if (Date.now() > deadline) {
        throw new RipcordError('unavailable', `netlify accepted the ${request.action} to ${target ?? 'the previous deploy'}, but ${this.config.site} still publishes ${published ?? 'nothing'} after ${Math.round((this.config.wait ?? DEFAULT_NETLIFY_WAIT_MS) / 1000)}s; nothing was locked; check the site's deploys, then retry the step`);
      }
      await waitFor(this.config.poll ?? DEFAULT_NETLIFY_POLL_MS, request.signal);
    }
    const acceptedToCurrentMs = Date.now() - accepted;
    const locked = this.config.lock !== false && published ? (await this.api.lock(published, request.signal)).locked === true : false;
    const lockWords = locked
      ? `; auto-publishing is LOCKED so the next git push does not publish over it: unlock (ripcord's "unlock" action, POST /api/v1/deploys/${published}/unlock) once a fix lands`
      : '; auto-publishing is NOT locked: the next git push publishes again';
    return {
      summary: `${verb} deploy ${published}${request.target ? ` (${request.target.version})` : ''} on ${this.config.site}, published ${(acceptedToCurrentMs / 1000).toFixed(1)}s after Netlify accepted it${lockWords}`,
      details: { deployId: published, previousDeployId: from, acceptedToCurrentMs, autoPublishingLocked: locked, undo: locked ? { action: 'unlock', call: `POST /api/v1/deploys/${published}/unlock` } : undefined },
    };
  }

  private async setLock(request: StepRequest, lock: boolean): Promise<StepResult> {
    const deployId = (typeof request.params.deploy === 'string' ? request.params.deploy : undefined) ?? (await this.api.site(this.config.site, request.signal)).publishedDeploy?.id;
    if (!deployId) throw new RipcordError('not_found', `netlify ${request.action}: ${this.config.site} has no published deploy`);
    const deploy = lock ? await this.api.lock(deployId, request.signal) : await this.api.unlock(deployId, request.signal);
    return {
      summary: lock ? `locked auto-publishing on ${this.config.site} at deploy ${deploy.id}` : `unlocked auto-publishing on ${this.config.site} (deploy ${deploy.id}); the next git push publishes again`,
      details: { deployId: deploy.id, autoPublishingLocked: deploy.locked === true },
    };
  }

  private async snapshot(request: StepRequest): Promise<StepResult> {
    const site = await this.api.site(this.config.site, request.signal);
    const deploy = site.publishedDeploy;
    if (!deploy) return { summary: `${this.config.site} has no published deploy yet: nothing to note` };
    return {
      summary: `noted deploy ${deploy.id} as published on ${this.config.site} before ${request.target?.version ?? request.release.version}`,
      snapshots: [{ kind: 'artifact_backup', reference: `netlify:${site.id}/${deploy.id}`, details: { purpose: SNAPSHOT_PURPOSE, provider: 'netlify', siteId: site.id, deployId: deploy.id } }],
      details: { deployId: deploy.id },
    };
  }

  private chosenTarget(request: Pick<StepRequest, 'params' | 'release' | 'target'>): string | undefined {
    if (typeof request.params.deploy === 'string') return request.params.deploy;
    if (request.target?.providerDeploymentId) return request.target.providerDeploymentId;
    const before = request.release.snapshots.find((s) => s.kind === 'artifact_backup' && s.details?.purpose === SNAPSHOT_PURPOSE);
    return typeof before?.details?.deployId === 'string' ? before.details.deployId : undefined;
  }

  /** The newest ready production deploy published before the current one. */
  private async previousDeploy(siteId: string, current: string | undefined, signal: AbortSignal): Promise<string> {
    const deploys = await this.api.productionDeploys(siteId, 100, signal);
    const currentAt = deploys.find((d) => d.id === current)?.publishedAt;
    const previous = deploys
      .filter((d) => d.id !== current && d.state === 'ready' && d.publishedAt && (!currentAt || d.publishedAt < currentAt))
      .sort((a, b) => (b.publishedAt ?? '').localeCompare(a.publishedAt ?? ''))[0];
    if (!previous) throw new RipcordError('not_found', `netlify: ${this.config.site} has no earlier published deploy to restore (current: ${current ?? 'none'})`);
    return previous.id;
  }

  /** On 409 (another publish in progress) waits a poll interval and sends once more. */
  private async accepted(send: () => Promise<unknown>, request: StepRequest): Promise<void> {
    const deadline = Date.now() + (this.config.wait ?? DEFAULT_NETLIFY_WAIT_MS);
    for (;;) {
      try {
        await send();
        return;
      } catch (error) {
        if (!(error instanceof NetlifyApiError) || error.status !== 409 || Date.now() > deadline) throw error;
        request.log('netlify: another publish is in progress; waiting for it', { site: this.config.site });
        await waitFor(this.config.poll ?? DEFAULT_NETLIFY_POLL_MS, request.signal);
      }
    }
  }

  private explain(error: unknown, request: StepRequest): unknown {
    if (request.signal.aborted) return new RipcordError('unavailable', `netlify ${request.action} was aborted before it finished`);
    if (!(error instanceof NetlifyApiError)) return error;
    const said = `Netlify answered ${error.status}: ${error.message}`;
    if (error.status === 401 || error.status === 403) return new RipcordError('unavailable', `netlify ${request.action} refused (${said}): the token in provider.token needs access to site ${this.config.site}; nothing was changed`);
    if (error.status === 404) return new RipcordError('not_found', `netlify ${request.action}: ${said} (site ${this.config.site}, or a deploy the token cannot see); nothing was changed`);
    if (error.status === 429) return new RipcordError('unavailable', `netlify ${request.action}: still rate limited after the client's retries (${said}); nothing was changed, the step can be retried`);
    if (error.status === 409) return new RipcordError('conflict', `netlify ${request.action}: ${said}; another publish is still running, retry once it finishes`);
    return new RipcordError('unavailable', `netlify ${request.action} failed (${said})`);
  }
}

export const netlifyProvider = defineProvider({
  kind: 'netlify',
  schema: netlifyConfigSchema,
  capabilities: CAPABILITIES,
  summary: 'Netlify: restore a deploy (or roll back to the previous one) and lock auto-publishing (API via @netlify/api)',
  starter: {
    provider: '{ kind: netlify, site: my-site.netlify.app, token: ${NETLIFY_AUTH_TOKEN} }',
    comment: ['Netlify: previous_release restores the last good deploy, then locks auto-publishing.', 'Token: a personal access token of a member of the site\'s team (see docs/providers/netlify.md).'],
  },
  create: (config, deps) => new NetlifyProvider(config, deps),
});
