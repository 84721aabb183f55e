import type { Quantity } from '../config/schema/fields.js';
import { type TriggerConfig, triggerKind } from '../config/schema/triggers-schema.js';
import { formatDuration, } from '../core/duration.js';
import { formatPercent } from '../core/percent.js';

export function formatQuantity(quantity: Quantity): string {
  if (quantity.unit === 'ratio') return formatPercent(quantity.value);
  if (quantity.unit === 'ms') return formatDuration(quantity.value);
  return String(quantity.value);
}

/** `1240.3` → `1,240`; small numbers keep two significant decimals. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : String(value);
  // A Bayes factor of 6,774,644,715,357,626,000 reads better as 6.77e+18.
  if (Math.abs(value) >= 1e9) return value.toExponential(2);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toLocaleString('en-US');
}

/** The trigger's name, or the rule in words: what the timeline and explanations call it. */
export function describeTrigger(trigger: TriggerConfig): string {
  if (trigger.name) return trigger.name;
  switch (triggerKind(trigger)) {
    case 'threshold': {
      const t = trigger as Extract<TriggerConfig, { for: number; above: Quantity }>;
      return `${t.signal} above ${formatQuantity(t.above)} for ${formatDuration(t.for)}`;
    }
    case 'count': {
      const t = trigger as Extract<TriggerConfig, { within: number }>;
      return `${t.signal} above ${formatQuantity(t.above)} within ${formatDuration(t.within)}`;
    }
    case 'baseline': {
      const t = trigger as Extract<TriggerConfig, { above_baseline: number }>;
      return `${t.signal} above baseline +${formatPercent(t.above_baseline)}`;
    }
    case 'canary': {
      const t = trigger as Extract<TriggerConfig, { canary: string[] }>;
      return `canary judge on ${t.canary.join(', ')}${t.margin !== undefined ? ` (latency +${formatPercent(t.margin)})` : ''}`;
    }
    case 'alert': {
      const t = trigger as Extract<TriggerConfig, { alert: unknown }>;
      return typeof t.alert === 'string' ? `alert ${t.alert}` : `alert ${Object.entries(t.alert).map(([k, v]) => `${k}=${v}`).join(',')}`;
    }
  }
}
