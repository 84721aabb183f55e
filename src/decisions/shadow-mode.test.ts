import { describe, expect, it } from 'vitest';
import { watcherHarness } from '../test-support/watcher-harness.js';

const config = (mode: string) => `service: pulse
environments:
  production:
    signals:
      requests: { ingest: true }
    triggers:
      - { signal: requests.error_rate, above: 5%, for: 1m, severity: P1 }
${mode}`;

async function badRelease(mode: string) {
  const h = watcherHarness(config(mode));
  h.deploy('v1');
  h.clock.advance(60_000);
  h.deploy('v2');
  for (let s = 0; s < 90; s++) {
    h.clock.advance(1000);
    h.traffic('v2', 100, 10, 40);
    if (s % 10 === 9) await h.detection.tick();
  }
  return h;
}

/** `auto_rollback: shadow`: the decision is made and recorded with its reasons, and nothing acts on it. */
describe('auto_rollback: shadow', () => {
  it('records what it would have decided, and publishes no decision.made for the executor', async () => {
    const shadow = await badRelease('    detection: { auto_rollback: shadow }\n');
    expect(shadow.decisions).toHaveLength(1);
    expect(shadow.decisions[0]).toMatchObject({ status: 'shadow', action: 'rollback', severity: 'P1', decidedBy: 'shadow' });
    expect(shadow.decisions[0]?.explanation).toMatch(/^shadow mode, not acted on: would have decided P1: /);
    expect(shadow.events.filter((e) => e.type === 'decision.made')).toEqual([]);
    expect(shadow.events.some((e) => e.type === 'trigger.fired')).toBe(true);

    const live = await badRelease('');
    expect(live.decisions[0]).toMatchObject({ status: 'approved', action: 'rollback' });
    expect(live.events.filter((e) => e.type === 'decision.made')).toHaveLength(1);
  });
});
