import { SIGNAL_SOURCES, type SignalKind } from '../../signals/signal-registry.js';

/**
 * `signals.<name>`: one of the registered signal sources (src/signals/signal-registry.ts). The schemas
 * live with their sources; this module only re-exports them for the config.
 */
export { type SignalConfig, type SignalKind, signalKind, signalSchema } from '../../signals/signal-registry.js';

/** The metrics a trigger may name as `<signal>.<metric>`, per kind of signal, and their unit. */
export const SIGNAL_METRICS = Object.fromEntries(
  SIGNAL_SOURCES.map((source) => [source.kind, Object.fromEntries(Object.entries(source.metrics).map(([metric, spec]) => [metric, spec.unit]))]),
) as Record<SignalKind, Record<string, 'ratio' | 'ms' | 'count'>>;
