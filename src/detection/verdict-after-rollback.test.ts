import { describe, expect, it } from 'vitest';
import { watcherHarness } from '../test-support/watcher-harness.js';

/**
 * Issue 15: after a rollback the restored release must not be judged on traffic still labelled for the
 * release that was rolled back (draining canary instances keep sending it), and with no canary left it
 * must not sit at inconclusive forever: it is compared with its own traffic before the bad release.
 */
describe('the verdict of an environment after a rollback', () => {
  it('judges the restored release on its own traffic against its own before, not on the draining canary', async () => {
    const h = watcherHarness(`service: pulse
environments:
  production:
    signals:
      requests: { ingest: true }
    triggers:
      - { canary: [requests.error_rate], severity: P1 }
      - { signal: requests.error_rate, above: 5%, for: 1m, severity: P1 }
`);
    h.deploy('v1');
    // Ten minutes of v1 at 1% errors: the "before" the restored release is compared with later.
    for (let s = 0; s < 600; s++) {
      h.clock.advance(1000);
      h.traffic('v1', 20, s % 5 === 0 ? 1 : 0, 40);
    }
    h.deploy('v2');
    for (let s = 0; s < 120; s++) {
      h.clock.advance(1000);
      h.traffic('canary', 10, 2, 40);
      h.traffic('baseline', 90, s % 5 === 0 ? 1 : 0, 40);
      if (s % 5 === 4) await h.detection.tick();
    }
    expect(h.verdict()).toMatchObject({ version: 'v2', verdict: 'unhealthy' });

    h.rollback();
    const verdicts: string[] = [];
    for (let s = 0; s < 180; s++) {
      h.clock.advance(1000);
      // Draining canary instances keep reporting for 20 s after the rollback, at the bad release's error rate.
      if (s < 20) h.traffic('canary', 10, 2, 40);
      h.traffic('baseline', 100, s % 5 === 0 ? 1 : 0, 40);
      if (s % 5 === 4) {
        await h.detection.tick();
        verdicts.push(`${h.verdict()?.version}:${h.verdict()?.verdict}`);
      }
    }
    expect(verdicts.filter((v) => v.startsWith('v1:unhealthy'))).toEqual([]);
    expect(verdicts.at(-1)).toBe('v1:healthy');
    const judge = h.verdict()?.triggers.find((t) => t.kind === 'canary');
    expect(judge?.explanation).toContain('baseline before release');
    // Only the bad release got a decision.
    expect(h.decisions.map((d) => d.releaseId)).toEqual(['rel_v2']);
  });
});
