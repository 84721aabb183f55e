import { OFREPProvider } from '@openfeature/ofrep-provider';
import type { EvaluationContext, JsonValue, ResolutionDetails, TrackingEventDetails } from '@openfeature/server-sdk';

export interface RipcordProviderOptions {
  /** The ripcord server, e.g. http://127.0.0.1:4747 */
  server: string;
  /** A `flags` token (for one environment, or name it below). */
  token: string;
  /** The environment whose flags are evaluated and whose kill switch the outcomes feed. */
  environment: string;
}

/** Users remembered per provider, with the variants they were served, for `track`. */
const MAX_USERS = 10_000;

/**
 * ripcord's OpenFeature server provider: OFREP evaluation (the official OFREP provider underneath)
 * plus OpenFeature's tracking API. Each evaluation remembers which variant the user (targetingKey) was
 * served; `client.track('error', { targetingKey })` (or any event with `{ ok: false }`) reports a bad
 * outcome, any other event a good one, for every flag variant that user was served. ripcord's flag
 * triggers compare the variants' outcomes and turn a flag off by itself when its new variant is worse.
 *
 *   OpenFeature.setProvider(new RipcordProvider({ server, token, environment: 'production' }));
 *   client.track(failed ? 'error' : 'ok', { targetingKey: user.id });
 */
export class RipcordProvider extends OFREPProvider {
  private readonly served = new Map<string, Map<string, string>>();
  private readonly pending = new Set<Promise<void>>();
  private readonly ripcord: RipcordProviderOptions;

  constructor(options: RipcordProviderOptions) {
    super({ baseUrl: options.server, headers: { authorization: `Bearer ${options.token}`, 'x-ripcord-environment': options.environment } });
    this.ripcord = options;
  }

  override async resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    return this.remember(flagKey, context, await super.resolveBooleanEvaluation(flagKey, defaultValue, context));
  }

  override async resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return this.remember(flagKey, context, await super.resolveStringEvaluation(flagKey, defaultValue, context));
  }

  override async resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return this.remember(flagKey, context, await super.resolveNumberEvaluation(flagKey, defaultValue, context));
  }

  override async resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>> {
    return this.remember(flagKey, context, await super.resolveObjectEvaluation(flagKey, defaultValue, context));
  }

  /** OpenFeature's tracking API: one outcome per flag variant this user was served. */
  track(trackingEventName: string, context: EvaluationContext, details?: TrackingEventDetails): void {
    const user = context.targetingKey;
    const variants = user === undefined ? undefined : this.served.get(user);
    if (!variants || variants.size === 0) return;
    const ok = !(trackingEventName === 'error' || details?.ok === false);
    const outcomes = [...variants].map(([flag, variant]) => ({ flag, variant, ok, at: Date.now() }));
    const sent = fetch(new URL(`/api/v1/environments/${encodeURIComponent(this.ripcord.environment)}/flag-outcomes`, this.ripcord.server), {
      method: 'POST',
      headers: { authorization: `Bearer ${this.ripcord.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ outcomes }),
    }).then(
      (response) => void response.body?.cancel(),
      // Tracking never breaks the app: a lost outcome is a little less evidence.
      () => undefined,
    );
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  /** Resolves when every outcome reported so far has been answered (tests, and before shutting down). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private remember<T>(flag: string, context: EvaluationContext, result: ResolutionDetails<T>): ResolutionDetails<T> {
    const user = context.targetingKey;
    if (user !== undefined && result.variant !== undefined) {
      if (this.served.size >= MAX_USERS && !this.served.has(user)) this.served.clear();
      const variants = this.served.get(user) ?? new Map<string, string>();
      variants.set(flag, result.variant);
      this.served.set(user, variants);
    }
    return result;
  }
}
