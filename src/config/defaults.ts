import type { Quantity, Severity } from './schema/fields.js';
import type { PolicyEntry } from './schema/policy-schema.js';
import { type SignalConfig, signalKind } from './schema/signals-schema.js';
import type { TriggerConfig } from './schema/triggers-schema.js';

const MINUTE = 60_000;

/**
 * The seeds' decision matrix (seed 002, confirmed by 000 and 004): P0 service down or data loss →
 * immediate rollback (< 5 min); P1 major feature broken or high error rate → rollback within 15 min;
 * P2 → kill switch or fix forward within 1 hour; P3 → fix forward in the next deploy.
 */
export const DEFAULT_POLICY: Record<Severity, PolicyEntry> = {
  P0: { action: 'rollback', within: 5 * MINUTE },
  P1: { action: 'rollback', within: 15 * MINUTE },
  P2: { action: 'kill_switch', within: 60 * MINUTE },
  P3: { action: 'fix_forward', within: 'next_deploy' },
};

const ratio = (value: number): Quantity => ({ value, unit: 'ratio' });
const count = (value: number): Quantity => ({ value, unit: 'count' });

/**
 * The seeds' automated rollback triggers (seed 003), for the signals an environment declares:
 * error rate > 5% for 5 consecutive minutes, P95 +50% over the baseline, health check failures > 3
 * in 5 minutes, user-reported bugs > 10 in 1 hour. Severity follows seed 002's decision tree
 * (service down → P0; error rate > 5% → rollback within 15 min, P1).
 */
export function defaultTriggers(signals: Record<string, SignalConfig>): TriggerConfig[] {
  const triggers: TriggerConfig[] = [];
  for (const [name, signal] of Object.entries(signals)) {
    switch (signalKind(signal)) {
      case 'ingest':
      case 'prometheus':
        triggers.push(
          { signal: `${name}.error_rate`, above: ratio(0.05), for: 5 * MINUTE, severity: 'P1' },
          { signal: `${name}.p95`, above_baseline: 0.5, severity: 'P1' },
        );
        break;
      case 'http':
        triggers.push({ signal: `${name}.failures`, above: count(3), within: 5 * MINUTE, severity: 'P0' });
        break;
      case 'reports':
        triggers.push({ signal: `${name}.count`, above: count(10), within: 60 * MINUTE, severity: 'P1' });
        break;
      case 'alertmanager':
        break;
    }
  }
  return triggers;
}
