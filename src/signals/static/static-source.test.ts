import { describe, expect, it } from 'vitest';
import { contextFor, defaultDeps, signalSourceContract } from '../signal-source-contract.js';
import { StaticSignalSource, staticSource } from './static-source.js';

signalSourceContract({
  definition: staticSource as never,
  valid: { static: { values: { error_rate: 0.01, p95: 120 } } },
  working: async () => ({ config: { static: { values: { error_rate: 0.01 } } }, close: async () => undefined }),
  unreachable: async () => ({ config: { static: { values: { error_rate: 0.01 }, error: 'backend down' } }, close: async () => undefined }),
});

describe('StaticSignalSource', () => {
  it('reads the values of the watched release, and the previous release as the baseline', async () => {
    const source = new StaticSignalSource({ values: { error_rate: 0.01, p95: 100 }, releases: { v2: { error_rate: 0.2 }, v1: { p95: 90 } } });
    const reading = await source.read(contextFor());
    expect(reading.samples).toEqual({ error_rate: { at: contextFor().now, value: 0.2 }, p95: { at: contextFor().now, value: 100 } });
    expect(reading.baseline).toEqual({ error_rate: 0.01, p95: 90 });
  });
  it('is made through the registry definition with its config', async () => {
    const config = staticSource.schema.parse({ static: { values: { score: 64 } } });
    const reading = await staticSource.create('lh', config, defaultDeps()).read(contextFor());
    expect(reading.samples?.score?.value).toBe(64);
  });
});
