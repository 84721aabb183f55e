import { describe, expect, it } from 'vitest';
import { OutcomeAggregator } from '../outcome-aggregator.js';
import { contextFor, defaultDeps, signalSourceContract } from '../signal-source-contract.js';
import { ingestSource } from './ingest-source.js';

function withTraffic() {
  const aggregator = new OutcomeAggregator();
  const context = contextFor();
  for (let i = 0; i < 100; i++) aggregator.record({ service: 'pulse', environment: 'production', release: 'v2', ok: i >= 5, latencyMs: 40, at: context.now - 5000 });
  for (let i = 0; i < 100; i++) aggregator.record({ service: 'pulse', environment: 'production', release: 'v1', ok: i >= 1, latencyMs: 40, at: context.now - 5000 });
  return { aggregator, context };
}

signalSourceContract({
  definition: ingestSource as never,
  valid: { ingest: true },
  working: async () => ({ config: { ingest: true }, deps: { aggregator: withTraffic().aggregator }, close: async () => undefined }),
});

describe('ingest source', () => {
  it('reads the release window and the arms the judge counts, per release label', async () => {
    const { aggregator, context } = withTraffic();
    const source = ingestSource.create('requests', { ingest: true }, defaultDeps({ aggregator }));
    const reading = await source.read(context);
    expect(reading.samples?.error_rate).toMatchObject({ value: 0.05, numerator: 5, denominator: 100 });
    const arms = source.arms?.(context) ?? [];
    expect(arms.reduce((n, a) => n + a.canary.errors, 0)).toBe(5);
    expect(arms.reduce((n, a) => n + a.baseline.errors, 0)).toBe(1);
  });
});
