import { RipcordError } from '../../core/errors.js';
import { MemoryJournal, OncePerKey } from '../idempotency-journal.js';
import type { Provider, ProviderCapabilities, ReleaseRef, StepRequest, StepResult } from '../provider.js';
import { defineProvider } from '../provider-definition.js';
import { assertKnownAction, throwIfAborted } from '../provider-support.js';
import { type MemoryConfig, memoryConfigSchema } from './memory-config.js';

const ACTIONS = ['deploy', 'rollback_to'] as const;
const CAPABILITIES: ProviderCapabilities = { deploy: 'deploy', previousRelease: 'rollback_to' };

export interface MemoryDeployment {
  service: string;
  environment: string;
  version: string;
  releaseId: string;
  action: (typeof ACTIONS)[number];
}

/**
 * The in-memory double for the demo, the docs and the tests: it "serves" a release by remembering
 * which one is live per service and environment. It obeys the whole provider contract.
 */
export class MemoryProvider implements Provider {
  readonly kind = 'memory';
  readonly actions = ACTIONS;
  readonly capabilities = CAPABILITIES;
  /** Every deployment it performed, oldest first. */
  readonly history: MemoryDeployment[] = [];
  private readonly liveReleases = new Map<string, MemoryDeployment>();
  private readonly once = new OncePerKey(new MemoryJournal());

  live(service: string, environment: string): MemoryDeployment | undefined {
    return this.liveReleases.get(`${service}/${environment}`);
  }

  describe(request: Omit<StepRequest, 'signal' | 'log'>): string {
    assertKnownAction(this.kind, this.actions, request.action);
    const to = this.releaseFor(request);
    const current = this.live(request.release.service, request.release.environment);
    return `make ${to.version} live for ${to.service}/${to.environment} in memory (now live: ${current?.version ?? 'nothing'})`;
  }

  async perform(request: StepRequest): Promise<StepResult> {
    assertKnownAction(this.kind, this.actions, request.action);
    throwIfAborted(request.signal, this.kind, request.action);
    return this.once.run(request.idempotencyKey, async () => {
      const to = this.releaseFor(request);
      const key = `${to.service}/${to.environment}`;
      const previous = this.liveReleases.get(key);
      const deployment: MemoryDeployment = {
        service: to.service,
        environment: to.environment,
        version: to.version,
        releaseId: to.id,
        action: request.action as MemoryDeployment['action'],
      };
      this.liveReleases.set(key, deployment);
      this.history.push(deployment);
      request.log(`memory: ${to.version} is live`, { previous: previous?.version });
      const verb = request.action === 'deploy' ? 'deployed' : 'rolled back to';
      return {
        summary: `${verb} ${to.version} (was ${previous?.version ?? 'nothing'})`,
        details: { live: to.version, previous: previous?.version },
      };
    });
  }

  private releaseFor(request: Pick<StepRequest, 'action' | 'release' | 'target' | 'params'>): ReleaseRef {
    if (request.action === 'deploy') return request.release;
    if (request.target) return request.target;
    const version = request.params.version;
    if (typeof version === 'string') return { ...request.release, id: `version:${version}`, version };
    throw new RipcordError('invalid_input', 'memory rollback_to needs a target release (or params.version)', [
      { path: 'target', message: 'no last known good release to roll back to' },
    ]);
  }
}

export function createMemoryProvider(_config?: MemoryConfig): MemoryProvider {
  return new MemoryProvider();
}

export const memoryProvider = defineProvider({
  kind: 'memory',
  schema: memoryConfigSchema,
  capabilities: CAPABILITIES,
  summary: 'an in-memory double that remembers which release is live (demos and tests)',
  create: () => new MemoryProvider(),
});
