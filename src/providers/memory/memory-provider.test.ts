import { describe, expect, it } from 'vitest';
import { contractRelease, contractTarget, runProviderContract } from '../provider-contract.js';
import { MemoryProvider } from './memory-provider.js';

runProviderContract('memory', () => {
  const provider = new MemoryProvider();
  return {
    provider,
    request: () => ({ action: 'deploy', params: {}, release: contractRelease() }),
    describeRequests: () => [{ action: 'rollback_to', params: {}, release: contractRelease(), target: contractTarget() }],
    effects: async () => provider.history.length,
    // Nowhere to roll back to; the release's artifact URL carries a registry credential the error must not show.
    failure: () => ({
      secret: 'mem-registry-pass-42',
      request: { action: 'rollback_to', params: {}, release: contractRelease({ artifact: 'https://ci:mem-registry-pass-42@registry.example.com/shop:2.0.0' }) },
    }),
  };
});

describe('memory provider', () => {
  const noop = () => {};
  const signal = new AbortController().signal;

  it('records which release is live and rolls back to the target', async () => {
    const provider = new MemoryProvider();
    await provider.perform({ action: 'deploy', params: {}, release: contractTarget(), idempotencyKey: 'a', signal, log: noop });
    await provider.perform({ action: 'deploy', params: {}, release: contractRelease(), idempotencyKey: 'b', signal, log: noop });
    expect(provider.live('shop', 'production')?.version).toBe('2.0.0');
    const result = await provider.perform({
      action: 'rollback_to',
      params: {},
      release: contractRelease(),
      target: contractTarget(),
      idempotencyKey: 'c',
      signal,
      log: noop,
    });
    expect(result.summary).toBe('rolled back to 1.0.0 (was 2.0.0)');
    expect(provider.live('shop', 'production')?.version).toBe('1.0.0');
  });

  it('refuses a rollback with nowhere to go', async () => {
    const provider = new MemoryProvider();
    await expect(
      provider.perform({ action: 'rollback_to', params: {}, release: contractRelease(), idempotencyKey: 'x', signal, log: noop }),
    ).rejects.toThrow(/needs a target release/);
  });
});
