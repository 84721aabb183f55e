import { describe, expect, it } from 'vitest';
import { AlertStore } from './alert-store.js';
import { OutcomeAggregator } from './outcome-aggregator.js';
import type { SignalSourceDefinition, SourceContext, SourceDeps } from './signal-source.js';
import { SIGNAL_SOURCES } from './signal-registry.js';

/** What a source's test hands the contract: configs for a backend that answers and one that does not. */
export interface SignalSourceSubject {
  definition: SignalSourceDefinition<never>;
  /** A config the schema accepts. */
  valid: unknown;
  /** Starts a backend that answers (or none is needed) and returns the config that reads it. */
  working?: () => Promise<{ config: unknown; deps?: Partial<SourceDeps>; close(): Promise<void> }>;
  /** A config whose backend cannot be reached (a closed port, a refused token). */
  unreachable?: () => Promise<{ config: unknown; close(): Promise<void> }>;
  /** The release the contract reads for. */
  context?: Partial<SourceContext>;
}

export function defaultDeps(extra: Partial<SourceDeps> = {}): SourceDeps {
  return { aggregator: new OutcomeAggregator(), alerts: new AlertStore(), reports: { since: async () => [], insert: async () => undefined } as never, ...extra };
}

export function contextFor(extra: Partial<SourceContext> = {}): SourceContext {
  const now = Date.parse('2026-03-01T10:05:00.000Z');
  return { service: 'pulse', environment: 'production', now, release: { id: 'rel_v2', version: 'v2' }, previous: { id: 'rel_v1', version: 'v1' }, deployedAt: now - 60_000, ...extra };
}

/**
 * The contract every signal source passes (the shipped StaticSignalSource too): registered once, a strict
 * schema, readings only of the metrics it declares, and errors as data: an unreachable backend gives
 * samples with an error, and `read` never throws.
 */
export function signalSourceContract(subject: SignalSourceSubject): void {
  const { definition } = subject;
  const parse = (config: unknown) => definition.schema.safeParse(config);
  describe(`signal source contract: ${definition.kind}`, () => {
    it('is registered once, under its kind', () => {
      expect(SIGNAL_SOURCES.filter((s) => s.kind === definition.kind)).toHaveLength(1);
      expect(Object.keys(definition.metrics).length).toBeGreaterThan(0);
      for (const spec of Object.values(definition.metrics)) expect(['ratio', 'ms', 'count']).toContain(spec.unit);
    });

    it('accepts its documented config and rejects an unknown field', () => {
      expect(parse(subject.valid).success).toBe(true);
      const typo = parse({ ...(subject.valid as object), evrey: '10s' });
      expect(typo.success).toBe(false);
      expect(JSON.stringify(typo.error?.issues)).toContain('evrey');
    });

    if (subject.working) {
      const working = subject.working;
      it('reads values of its declared metrics only, stamped with the pass time', async () => {
        const backend = await working();
        try {
          const config = definition.schema.parse(backend.config);
          const context = contextFor(subject.context);
          const reading = await definition.create('sig', config as never, defaultDeps(backend.deps)).read(context);
          const samples = Object.entries(reading.samples ?? {});
          const series = Object.entries(reading.series ?? {});
          expect(samples.length + series.length).toBeGreaterThan(0);
          for (const [metric] of [...samples, ...series]) expect(Object.keys(definition.metrics).concat('last_failure')).toContain(metric);
          for (const [, sample] of samples) expect(sample.at).toBe(context.now);
          expect(samples.some(([, sample]) => typeof sample.value === 'number' && Number.isFinite(sample.value)) || series.length > 0).toBe(true);
        } finally {
          await backend.close();
        }
      });
    }

    if (subject.unreachable) {
      const unreachable = subject.unreachable;
      it('turns an unreachable backend into samples with an error, never an exception', async () => {
        const backend = await unreachable();
        try {
          const config = definition.schema.parse(backend.config);
          const context = contextFor(subject.context);
          const reading = await definition.create('sig', config as never, defaultDeps()).read(context);
          const samples = Object.values(reading.samples ?? {});
          expect(samples.length).toBeGreaterThan(0);
          expect(samples.some((s) => typeof s.error === 'string' && s.error.length > 0)).toBe(true);
        } finally {
          await backend.close();
        }
      });
    }
  });
}
