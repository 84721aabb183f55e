import { describe, expect, it } from 'vitest';
import { VerificationProvider } from './verification-provider.js';

type Verdict = 'healthy' | 'unhealthy' | 'inconclusive';

function observe(verdict: Verdict, releaseId = 'rel_v1') {
  const provider = new VerificationProvider({
    signals: { verdict: () => ({ releaseId, verdict, explanation: verdict === 'inconclusive' ? 'cannot judge: requests.error_rate: no measurements yet' : 'fine', signals: {} }) },
    sleep: async () => undefined,
  });
  return provider.perform({
    action: 'observe',
    params: { windowMs: 5000 },
    release: { id: 'rel_v1', service: 'pulse', environment: 'production', version: 'v1', snapshots: [] },
    idempotencyKey: 'k',
    signal: new AbortController().signal,
    log: () => undefined,
  });
}

/** Issue 15: `verify: observe` proves recovery only with a healthy verdict about the restored release. */
describe('verify observe', () => {
  it('passes on a healthy verdict about the restored release', async () => {
    await expect(observe('healthy')).resolves.toMatchObject({ summary: expect.stringContaining('observed 5s: healthy') });
  });
  it('does not pass on an inconclusive verdict, and says why', async () => {
    await expect(observe('inconclusive')).rejects.toThrow('observed 5s but the verdict is inconclusive, so recovery is not proved: cannot judge: requests.error_rate: no measurements yet');
  });
  it('does not pass while the watcher still reads the rolled-back release', async () => {
    await expect(observe('healthy', 'rel_v2')).rejects.toThrow('the watcher has not judged v1 yet');
  });
});
