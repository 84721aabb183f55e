import { describe, expect, it } from 'vitest';
import { watcherHarness } from '../test-support/watcher-harness.js';

/**
 * The P0 bug of issue 15: a signal named `error_rate_api` with a P3 latency trigger (539 ms) was read as
 * an error rate of 539 and rolled back as "service is down". The decision must come from the facts
 * (which metric, what value), whatever the signal and the trigger are called.
 */
async function decideWith(signal: string, triggerName: string | undefined, metric: 'p95' | 'error_rate', traffic: { errors: number; latencyMs: number }, above: string, severity: string) {
  const name = triggerName ? `name: ${triggerName}, ` : '';
  const h = watcherHarness(`service: pulse
environments:
  production:
    signals:
      ${signal}: { ingest: true }
    triggers:
      - { ${name}signal: ${signal}.${metric}, above: ${above}, for: 1m, severity: ${severity} }
`);
  h.deploy('v1');
  h.clock.advance(60_000);
  h.deploy('v2');
  for (let s = 0; s < 90; s++) {
    h.clock.advance(1000);
    h.traffic('v2', 100, traffic.errors, traffic.latencyMs);
    if (s % 10 === 9) await h.detection.tick();
  }
  const watch = h.verdict();
  expect(watch?.verdict).toBe('unhealthy');
  const decision = h.decisions[0];
  if (!decision) throw new Error('expected a decision');
  return { severity: decision.severity, action: decision.action, impact: decision.inputs.impact };
}

describe('decisions do not depend on what signals and triggers are called', () => {
  it('a P3 latency trigger on a signal named error_rate_api stays a P3 fix-forward, as on a signal named requests', async () => {
    const slow = { errors: 0, latencyMs: 539 };
    const plain = await decideWith('requests', undefined, 'p95', slow, '500ms', 'P3');
    const misleading = await decideWith('error_rate_api', 'error_rate_spike', 'p95', slow, '500ms', 'P3');
    expect(plain).toMatchObject({ severity: 'P3', action: 'fix_forward' });
    expect(plain.impact).toMatchObject({ serviceDown: false, errorRate: undefined });
    expect(misleading).toEqual(plain);
  });

  it('an error rate of 8% is a P1 rollback on a signal named latency_p95 as on one named requests', async () => {
    const failing = { errors: 8, latencyMs: 40 };
    const plain = await decideWith('requests', undefined, 'error_rate', failing, '5%', 'P2');
    const misleading = await decideWith('latency_p95', 'p95_regression', 'error_rate', failing, '5%', 'P2');
    expect(plain).toMatchObject({ severity: 'P1', action: 'rollback' });
    expect(plain.impact).toMatchObject({ serviceDown: false, errorRate: 0.08 });
    expect(misleading).toEqual(plain);
  });
});
