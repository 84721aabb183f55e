import type { RipcordConfig } from '../config/ripcord-config.js';
import { type Clock, systemClock } from '../core/clock.js';
import { RipcordError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Ledger } from '../deployments/ledger.js';
import type { ReleaseDetails } from '../deployments/release.js';
import type { Provider } from '../providers/provider.js';
import { capabilitiesFor, kindsWith } from '../providers/provider-registry.js';
import type { ProviderSet, RollbackExecutor } from './rollback-executor.js';
import { toRef } from './rollback-executor.js';

/** What `ripcord release` reads from the watcher; detection's DetectionService fits it. */
export interface ReleaseWatcher {
  verdict(service: string, environment: string): { releaseId: string; verdict: 'healthy' | 'unhealthy' | 'inconclusive'; explanation: string } | undefined;
  tick?(): Promise<unknown>;
}

export interface ReleaseRequest {
  environment: string;
  version: string;
  actor: string;
  /** Release even while a P0/P1 rollback is open. */
  force?: boolean | undefined;
  /** How long the new release is watched before it is verified. */
  watchMs: number;
  commit?: string | undefined;
}

export interface ReleaseRunnerOptions {
  config: RipcordConfig;
  ledger: Ledger;
  events: EventBus;
  executor: RollbackExecutor;
  providers: (environment: string) => ProviderSet;
  watcher?: ReleaseWatcher | undefined;
  clock?: Clock | undefined;
  logger?: { info(obj: object, msg: string): void; error(obj: object, msg: string): void } | undefined;
}

/**
 * The safeguards taken before a release: every provider of the environment that declares a snapshot
 * (tag the stable commit, back up the database, snapshot config, note the platform's current deployment),
 * once each even when one provider fills several slots.
 */
function safeguards(providers: ProviderSet): { slot: string; provider: Provider; action: string }[] {
  const seen = new Set<Provider>();
  const list: { slot: string; provider: Provider; action: string }[] = [];
  for (const [slot, provider] of Object.entries(providers)) {
    const action = provider?.capabilities?.snapshot;
    if (!provider || !action || seen.has(provider)) continue;
    seen.add(provider);
    list.push({ slot, provider, action });
  }
  return list;
}

/**
 * `ripcord release`: safeguards, deploy through the provider, watch; the executor acts on a rollback
 * decision by itself, so this only promotes a release that stayed healthy for the watch window.
 */
export class ReleaseRunner {
  private readonly clock: Clock;

  constructor(private readonly options: ReleaseRunnerOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Safeguards and deploy; returns the recorded release while the watch continues in the background. */
  async release(request: ReleaseRequest): Promise<ReleaseDetails> {
    const { config, ledger, executor } = this.options;
    const env = config.environments[request.environment];
    if (!env) throw new RipcordError('not_found', `environment "${request.environment}" is not in ripcord.yaml`);
    await executor.assertReleaseAllowed(request.environment, request.force);
    const providers = this.options.providers(request.environment);
    const main = providers.main;
    const kind = env.provider?.kind;
    const deployAction = capabilitiesFor(env.provider).deploy;
    if (!main || !deployAction) throw new RipcordError('config_invalid', `environments.${request.environment}.provider cannot deploy (kinds that can: ${kindsWith('deploy').join(', ')})`);

    const release = await ledger.record({ service: config.service, environment: request.environment, version: request.version, commit: request.commit, status: 'deploying' }, request.actor);
    const signal = AbortSignal.timeout(10 * 60_000);
    const log = (message: string, data?: Record<string, unknown>) => this.options.logger?.info({ releaseId: release.id, ...data }, message);
    const previous = release.previousReleaseId ? await ledger.get(release.previousReleaseId) : undefined;
    for (const safeguard of safeguards(providers)) {
      const result = await safeguard.provider.perform({
        action: safeguard.action,
        params: {},
        release: toRef(previous ?? release),
        target: toRef(release),
        idempotencyKey: `release:${release.id}:${safeguard.slot}`,
        signal,
        log,
      });
      for (const snapshot of result.snapshots ?? []) await ledger.addSnapshot(release.id, snapshot, request.actor);
    }
    try {
      await main.perform({ action: deployAction, params: {}, release: toRef(release), target: toRef(release), idempotencyKey: `deploy:${release.id}`, signal, log });
    } catch (error) {
      await ledger.transition(release.id, 'failed', request.actor, `deploy failed: ${(error as Error).message}`);
      throw error;
    }
    const live = await ledger.transition(release.id, 'live', request.actor, `deployed through ${kind}`);
    void this.watch(live, request).catch((error) => this.options.logger?.error({ err: error, releaseId: live.id }, 'release watch failed'));
    return live;
  }

  /** Promotes and verifies the release if it is still live and healthy when the watch window ends. */
  private async watch(release: ReleaseDetails, request: ReleaseRequest): Promise<void> {
    const until = Date.now() + request.watchMs;
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, request.watchMs)));
      const current = await this.options.ledger.get(release.id);
      if (current.status !== 'live') return; // rolled back (or changed by a person): nothing to promote
    }
    const current = await this.options.ledger.get(release.id);
    if (current.status !== 'live') return;
    const watch = this.options.watcher?.verdict(release.service, release.environment);
    // Unhealthy: the policy acts on it. Inconclusive: a person looks; only a healthy (or unwatched) release is verified.
    if (watch && watch.releaseId === release.id && watch.verdict !== 'healthy') return;
    const main = this.options.providers(release.environment).main;
    const promote = main?.capabilities?.promote;
    if (main && promote) {
      await main.perform({ action: promote, params: { to: release.version }, release: toRef(release), target: toRef(release), idempotencyKey: `promote:${release.id}`, signal: AbortSignal.timeout(60_000), log: () => undefined });
    }
    const explanation = watch ? `${watch.verdict}: ${watch.explanation}` : 'no signals configured';
    await this.options.ledger.transition(release.id, 'verified', request.actor, `watched ${Math.round(request.watchMs / 1000)}s: ${explanation}`);
  }
}
