import { z } from 'zod';
import { alertmanagerSource } from './alertmanager/alertmanager-source.js';
import { httpSource } from './http/http-source.js';
import { ingestSource } from './ingest/ingest-source.js';
import { prometheusSource } from './prometheus/prometheus-source.js';
import { reportsSource } from './reports/reports-source.js';
import type { MetricSpec, SignalSourceDefinition } from './signal-source.js';
import { staticSource } from './static/static-source.js';

/**
 * Every kind of signal source, once: config validation builds the `signals:` schema from it, the
 * watcher creates sources from it, so a kind cannot be half-registered. Add a kind here and nowhere else
 * (docs/signals/adding-a-signal-source.md).
 */
export const SIGNAL_SOURCES = [httpSource, ingestSource, prometheusSource, alertmanagerSource, reportsSource, staticSource] as const;

export type SignalConfig = z.output<(typeof SIGNAL_SOURCES)[number]['schema']>;
export type SignalKind = (typeof SIGNAL_SOURCES)[number]['kind'];

const [first, second, ...rest] = SIGNAL_SOURCES.map((s) => s.schema);
/** The `signals.<name>` schema: exactly one of the registered kinds. */
export const signalSchema = z.union([first as (typeof SIGNAL_SOURCES)[number]['schema'], second as (typeof SIGNAL_SOURCES)[number]['schema'], ...(rest as (typeof SIGNAL_SOURCES)[number]['schema'][])]);

/** The registered definition for a validated signal config; an unknown kind is a programming error, not a default. */
export function sourceFor(signal: SignalConfig): SignalSourceDefinition<SignalConfig> {
  const found = SIGNAL_SOURCES.find((s) => s.kind in signal);
  if (!found) throw new Error(`no signal source is registered for ${JSON.stringify(Object.keys(signal))}`);
  return found as unknown as SignalSourceDefinition<SignalConfig>;
}

export function signalKind(signal: SignalConfig): SignalKind {
  return sourceFor(signal).kind as SignalKind;
}

/** The metrics a trigger may name as `<signal>.<metric>`, per kind, with their unit. */
export function metricsOf(signal: SignalConfig): Record<string, MetricSpec> {
  return sourceFor(signal).metrics;
}
