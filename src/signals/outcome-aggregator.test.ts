import { describe, expect, it } from 'vitest';
import { binOf, binUpperMs, countAbove, quantileOf } from './latency-histogram.js';
import { OutcomeAggregator } from './outcome-aggregator.js';

describe('latency histogram', () => {
  it('keeps quantiles within 10% and counts requests above a threshold', () => {
    const histogram = new Uint32Array(142);
    for (let ms = 1; ms <= 1000; ms++) histogram[binOf(ms)] = (histogram[binOf(ms)] as number) + 1;
    const p95 = quantileOf(histogram, 0.95) as number;
    expect(p95).toBeGreaterThanOrEqual(950);
    expect(p95).toBeLessThan(950 * 1.1);
    const above = countAbove(histogram, 500);
    expect(above).toBeGreaterThan(450);
    expect(above).toBeLessThanOrEqual(500);
    expect(binUpperMs(binOf(123))).toBeGreaterThanOrEqual(123);
    expect(quantileOf(new Uint32Array(142), 0.5)).toBeUndefined();
  });
});

describe('OutcomeAggregator', () => {
  it('buckets per release and time, and lines up canary and baseline per bucket with slow counts', () => {
    const agg = new OutcomeAggregator(1000);
    const at = 1_800_000_000_000;
    const add = (release: string, ok: boolean, latencyMs: number, offset: number) => agg.record({ service: 's', environment: 'e', release, ok, latencyMs, at: at + offset });
    add('canary', false, 900, 10);
    add('canary', true, 50, 20);
    add('v2', true, 50, 1500);
    add('baseline', true, 40, 30);
    add('baseline', false, 40, 1200);
    const arms = agg.arms('s', 'e', ['canary', 'v2'], ['baseline'], at, at + 2000, 100);
    expect(arms).toEqual([
      { at, canary: { total: 2, errors: 1, slow: 1 }, baseline: { total: 1, errors: 0, slow: 0 } },
      { at: at + 1000, canary: { total: 1, errors: 0, slow: 0 }, baseline: { total: 1, errors: 1, slow: 0 } },
    ]);
    expect(agg.releases('s', 'e').sort()).toEqual(['baseline', 'canary', 'v2']);
    expect(agg.drainRollups(at + 2000)).toHaveLength(4);
    expect(agg.drainRollups(at + 2000)).toHaveLength(0);
    // Past retention, buckets leave memory.
    agg.drainRollups(at + 4 * 3_600_000);
    expect(agg.window('s', 'e', ['canary'], 0, at + 10_000).total).toBe(0);
  });
});

describe('OutcomeAggregator.requeue', () => {
  it('hands refused rollups to the next drain again, with outcomes added in between', () => {
    const agg = new OutcomeAggregator(1000);
    const at = 1_800_000_000_000;
    agg.record({ service: 's', environment: 'e', release: 'v2', ok: false, latencyMs: 10, at });
    const refused = agg.drainRollups(at + 1);
    expect(refused.map((r) => [r.total, r.errors])).toEqual([[1, 1]]);
    expect(agg.drainRollups(at + 1)).toEqual([]);
    agg.requeue(refused);
    agg.record({ service: 's', environment: 'e', release: 'v2', ok: true, latencyMs: 10, at: at + 5 });
    expect(agg.drainRollups(at + 10).map((r) => [r.bucketStart, r.total, r.errors])).toEqual([[at, 2, 1]]);
  });
});
