import type { RipcordConfig } from '../config/ripcord-config.js';
import type { FlagTriggerConfig } from '../config/schema/triggers-schema.js';
import { type Clock, systemClock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import { formatPercent } from '../core/percent.js';
import { JUDGE_STARTS } from '../detection/canary-judge.js';
import { SequentialCountTest } from '../detection/sequential-count-test.js';
import type { FlagService } from './flag-service.js';
import type { FlagOutcomes } from './flag-outcomes.js';

/** α when the trigger sets no `false_rollback_rate`: the canary judge's default. */
const DEFAULT_ALPHA = 0.001;

/** What one look at a flag trigger found, with the numbers. */
export interface FlagJudgement {
  flag: string;
  trigger: string;
  state: 'firing' | 'ok' | 'no_data';
  variants: { new: string; old: string };
  explanation: string;
  values: Record<string, number>;
  /** Set when the judgement turned the flag off. */
  killed?: { version: number } | undefined;
}

const rate = (bad: number, total: number) => `${formatPercent(total > 0 ? bad / total : 0)} (${bad}/${total})`;

/**
 * Kill switch by evidence: the canary judge's sequential count test (anytime-valid, α bounds the
 * chance of turning off a flag whose new variant is no worse) on the errors of a flag's new variant
 * against its old one. When it fires and the policy's action for the trigger's severity is
 * `kill_switch`, the flag is turned off: one audited change every stream client receives.
 */
export class FlagKillSwitch {
  constructor(
    private readonly deps: { config: RipcordConfig; flags: FlagService; outcomes: FlagOutcomes; events?: EventBus | undefined; clock?: Clock | undefined },
  ) {}

  /** The environment's flag triggers on these flags (all when omitted), judged now. */
  async check(environment: string, flags?: readonly string[]): Promise<FlagJudgement[]> {
    const env = this.deps.config.environments[environment];
    if (!env) return [];
    const out: FlagJudgement[] = [];
    for (const trigger of env.flagTriggers) {
      if (flags && !flags.includes(trigger.flag)) continue;
      const judgement = await this.judge(environment, trigger);
      if (judgement) out.push(judgement);
    }
    return out;
  }

  private async judge(environment: string, trigger: FlagTriggerConfig): Promise<FlagJudgement | undefined> {
    const service = this.deps.config.service;
    const record = (await this.deps.flags.list(service, environment)).find((r) => r.key === trigger.flag);
    // Unknown or already off: nothing to switch off.
    if (record?.definition.state !== 'ENABLED') return undefined;
    const names = Object.keys(record.definition.variants);
    const old = trigger.variants?.old ?? record.definition.defaultVariant ?? undefined;
    const fresh = trigger.variants?.new ?? names.find((name) => name !== old);
    const name = trigger.name ?? `flag ${trigger.flag}: canary errors, variant ${fresh} vs ${old}`;
    if (!old || !fresh) return { flag: trigger.flag, trigger: name, state: 'no_data', variants: { new: fresh ?? '?', old: old ?? '?' }, explanation: `flag ${trigger.flag} has no two variants to compare (set variants: { new, old })`, values: {} };
    const variants = { new: fresh, old };
    const alpha = trigger.false_rollback_rate ?? DEFAULT_ALPHA;
    const test = new SequentialCountTest(alpha, JUDGE_STARTS);
    // Evidence since the flag's current version: a flag turned back on starts a fresh comparison.
    const since = Date.parse(record.updatedAt);
    for (const bucket of this.deps.outcomes.variantBuckets(service, environment, trigger.flag, variants, since)) {
      test.update({ total: bucket.new.total, bad: bucket.new.errors }, { total: bucket.old.total, bad: bucket.old.errors }, bucket.at);
    }
    const state = test.state();
    const values = { alpha, bayes_factor: state.bayesFactor, threshold: state.threshold, new_errors: state.canary.bad, new_total: state.canary.total, old_errors: state.baseline.bad, old_total: state.baseline.total };
    if (state.canary.total === 0 || state.baseline.total === 0) {
      return { flag: trigger.flag, trigger: name, state: 'no_data', variants, explanation: `not enough data (${state.canary.total} outcomes on ${fresh}, ${state.baseline.total} on ${old})`, values };
    }
    const explanation = `variant ${fresh} error rate ${rate(state.canary.bad, state.canary.total)} vs ${old} ${rate(state.baseline.bad, state.baseline.total)}; Bayes factor ${state.bayesFactor.toPrecision(3)} ${state.rejected ? '≥' : '<'} ${state.threshold.toPrecision(3)} (α ${formatPercent(alpha)})`;
    if (!state.rejected) return { flag: trigger.flag, trigger: name, state: 'ok', variants, explanation, values };
    const at = (this.deps.clock ?? systemClock).now().toISOString();
    await this.deps.events?.publish({ type: 'trigger.fired', at, service, environment, trigger: name, severity: trigger.severity, explanation });
    const action = this.deps.config.policy[trigger.severity]?.action;
    if (action !== 'kill_switch') return { flag: trigger.flag, trigger: name, state: 'firing', variants, explanation: `${explanation}; policy for ${trigger.severity} is ${action}, so the flag stays on`, values };
    const [changed] = await this.deps.flags.setEnabled(service, environment, { [trigger.flag]: { enabled: false } }, 'ripcord', `kill switch by evidence (${trigger.severity}, policy kill_switch): ${explanation}`);
    return { flag: trigger.flag, trigger: name, state: 'firing', variants, explanation, values, killed: changed ? { version: changed.version } : undefined };
  }
}
