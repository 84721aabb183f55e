import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import type { Release } from '../deployments/release.js';
import { OutcomeAggregator } from '../signals/outcome-aggregator.js';
import { backtest } from './backtest.js';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const MIN = 60_000;

function release(version: string, deployedAt: number, status: Release['status'], previous?: string): Release {
  const at = new Date(deployedAt).toISOString();
  return { id: `rel_${version}`, service: 'pulse', environment: 'production', version, deployedBy: 'ci', deployedAt: at, status, stable: false, previousReleaseId: previous, createdAt: at, updatedAt: at };
}

/** Recorded outcomes per second for one release: `errorsPer100` of every 100 requests fail. */
function record(agg: OutcomeAggregator, version: string, from: number, minutes: number, errorsPer100: number) {
  for (let s = 0; s < minutes * 60; s++) for (let i = 0; i < 20; i++) agg.record({ service: 'pulse', environment: 'production', release: version, ok: (s * 20 + i) % 100 >= errorsPer100, latencyMs: 40, at: from + s * 1000 });
}

describe('ripcord backtest', () => {
  it('replays recorded outcomes through the candidate plan: catches the release that was rolled back, keeps the good ones quiet', async () => {
    const parsed = parseConfig(
      `service: pulse
environments:
  production:
    signals:
      requests: { ingest: true }
      health: { http: http://127.0.0.1:1/health }
    triggers:
      - { signal: requests.error_rate, above: 5%, for: 2m, severity: P1 }
      - { signal: health.failures, above: 3, within: 5m, severity: P0 }
`,
      'candidate.yaml',
      {},
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const agg = new OutcomeAggregator(1000, Number.POSITIVE_INFINITY);
    record(agg, 'v1', T0, 20, 1);
    record(agg, 'v2', T0 + 20 * MIN, 10, 12);
    record(agg, 'v3', T0 + 30 * MIN, 20, 1);
    const releases = [release('v1', T0, 'superseded'), release('v2', T0 + 20 * MIN, 'rolled_back', 'rel_v1'), release('v3', T0 + 30 * MIN, 'live', 'rel_v2')];
    const report = await backtest({ config: parsed.config, environment: 'production', releases, rollups: agg.drainRollups(T0 + 60 * MIN), now: T0 + 50 * MIN });
    expect(report.rows.map((r) => [r.version, r.outcome])).toEqual([
      ['v1', 'quiet'],
      ['v2', 'caught'],
      ['v3', 'quiet'],
    ]);
    const v2 = report.rows[1];
    expect(v2?.decision).toMatchObject({ severity: 'P1', action: 'rollback' });
    // "for: 2m" cannot fire before two minutes of bad samples, and the first sample is at +5 s.
    expect(v2?.decision?.afterMs).toBeGreaterThanOrEqual(2 * MIN);
    expect(v2?.decision?.afterMs).toBeLessThan(3 * MIN);
    expect(report.totals).toMatchObject({ releases: 3, wouldRollBack: 1, caught: 1, missed: 0, falseRollbacks: 0 });
    expect(report.skipped).toEqual(['health.failures above 3 within 5m']);
  });
});
