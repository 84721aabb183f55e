import type { EnvironmentPlan } from '../config/ripcord-config.js';
import type { RollbackStepConfig, VerifyStepConfig } from '../config/schema/steps-schema.js';
import { RipcordError } from '../core/errors.js';
import { providerStepAction } from '../providers/environment-providers.js';
import { capabilitiesFor, kindsWith } from '../providers/provider-registry.js';
import type { PlanStep, StepAction, StepDefinition } from './rollback-plan.js';

export const DEFAULT_STEP_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_VERIFY_TIMEOUT_MS = 60_000;

type SingleRollbackStep = Exclude<RollbackStepConfig, { step: unknown }>;

/** The steps of a plan, from the environment's `rollback:` and `verify:` (default: `previous_release`, then health). */
export function buildPlanSteps(env: EnvironmentPlan): PlanStep[] {
  const rollback = env.rollback?.length ? env.rollback : (['previous_release'] as RollbackStepConfig[]);
  const verify = env.verify ?? (healthUrls(env).length ? (['health'] as VerifyStepConfig[]) : []);
  const steps: PlanStep[] = [];
  rollback.forEach((config, i) => {
    const definition = rollbackDefinition(env, config, `environments.${env.name}.rollback[${i}]`);
    steps.push(pending(steps.length, 'rollback', stepName(config), definition));
  });
  verify.forEach((config, i) => {
    const definition = verifyDefinition(env, config, `environments.${env.name}.verify[${i}]`);
    steps.push(pending(steps.length, 'verify', verifyName(config), definition));
  });
  return steps;
}

function pending(index: number, phase: PlanStep['phase'], name: string, definition: StepDefinition): PlanStep {
  return { index, phase, name, definition, status: 'pending', attempts: 0, usedFallback: false };
}

function rollbackDefinition(env: EnvironmentPlan, config: RollbackStepConfig, path: string): StepDefinition {
  const options: { timeout?: number | undefined; retries?: number | undefined } = typeof config === 'object' ? config : {};
  if (typeof config === 'object' && 'step' in config) {
    return {
      ...singleAction(env, config.step, `${path}.step`),
      timeoutMs: config.timeout ?? DEFAULT_STEP_TIMEOUT_MS,
      retries: config.retries ?? 0,
      fallback: singleAction(env, config.fallback, `${path}.fallback`),
    };
  }
  return {
    ...singleAction(env, config, path),
    timeoutMs: options.timeout ?? DEFAULT_STEP_TIMEOUT_MS,
    retries: options.retries ?? 0,
  };
}

function singleAction(env: EnvironmentPlan, config: SingleRollbackStep, path: string): StepAction {
  if (config === 'previous_release' || (typeof config === 'object' && 'previous_release' in config)) return previousRelease(env, path);
  if ('traffic' in config) {
    // A provider that shifts traffic does it; for any other platform "previous release" is its traffic switch.
    const traffic = capabilitiesFor(env.provider).traffic;
    if (traffic) return { provider: 'main', action: traffic, params: { to: config.traffic.to } };
    return previousRelease(env, path);
  }
  if ('flags_off' in config) return { provider: 'flags', action: 'off', params: { keys: config.flags_off } };
  if ('flags_set' in config) return { provider: 'flags', action: 'set', params: { values: config.flags_set } };
  const mapped = providerStepAction(config);
  if (!mapped) throw new RipcordError('config_invalid', `${path}: ripcord does not know how to run this step`, [{ path, message: 'unknown step' }]);
  return { provider: mapped.provider, action: mapped.action, params: mapped.params };
}

function previousRelease(env: EnvironmentPlan, path: string): StepAction {
  const kind = env.provider?.kind;
  const action = capabilitiesFor(env.provider).previousRelease;
  if (!kind || !action) {
    throw new RipcordError(
      'config_invalid',
      `${path}: "previous_release" needs environments.${env.name}.provider with a kind that can put a release back (${kindsWith('previousRelease').join(', ')})`,
      [{ path: `environments.${env.name}.provider`, message: kind ? `${kind} cannot roll back to a previous release` : 'missing' }],
    );
  }
  return { provider: 'main', action, params: {} };
}

function verifyDefinition(env: EnvironmentPlan, config: VerifyStepConfig, path: string): StepDefinition {
  const timeoutMs = (typeof config === 'object' && 'timeout' in config ? config.timeout : undefined) ?? DEFAULT_VERIFY_TIMEOUT_MS;
  const retries = (typeof config === 'object' && 'retries' in config ? config.retries : undefined) ?? 0;
  if (config === 'health') {
    const urls = healthUrls(env);
    if (!urls.length) {
      throw new RipcordError('config_invalid', `${path}: "health" needs an http signal (environments.${env.name}.signals.<name>.http) or a list of URLs`, [
        { path, message: 'no health URL' },
      ]);
    }
    return { provider: 'verify', action: 'health', params: { urls }, timeoutMs, retries };
  }
  if ('health' in config) return { provider: 'verify', action: 'health', params: { urls: config.health }, timeoutMs, retries };
  if ('command' in config) return { provider: 'command', action: 'run', params: { command: config.command, timeout: config.timeout }, timeoutMs, retries };
  if ('sql' in config) return { provider: 'verify', action: 'sql', params: { sql: config.sql, expect: config.expect }, timeoutMs, retries };
  if ('budget' in config) return { provider: 'verify', action: 'budget', params: { signal: config.budget.signal, below: config.budget.below }, timeoutMs, retries };
  // The window itself is the work: its timeout is the window plus a minute of slack.
  return { provider: 'verify', action: 'observe', params: { windowMs: config.observe }, timeoutMs: config.observe + 60_000, retries: 0 };
}

/** URLs of the environment's HTTP signals: what `verify: [health]` probes. */
export function healthUrls(env: EnvironmentPlan): string[] {
  return Object.values(env.signals ?? {}).flatMap((signal) => {
    if (!('http' in signal)) return [];
    return [typeof signal.http === 'string' ? signal.http : signal.http.url];
  });
}

function stepName(config: RollbackStepConfig): string {
  if (typeof config === 'string') return 'put the previous release back';
  if (config.name) return config.name;
  if ('step' in config) return `${stepName(config.step)} (fallback: ${stepName(config.fallback)})`;
  if ('previous_release' in config) return 'put the previous release back';
  if ('traffic' in config) return `switch traffic to the ${config.traffic.to} release`;
  if ('flags_off' in config) return `turn off flags ${config.flags_off.join(', ')}`;
  if ('flags_set' in config) return `set flags ${Object.keys(config.flags_set).join(', ')}`;
  if ('database' in config) return `database: ${config.database}`;
  if ('config' in config) return 'restore the config snapshot';
  return `run ${typeof config.command === 'string' ? config.command : config.command.run}`;
}

function verifyName(config: VerifyStepConfig): string {
  if (config === 'health') return 'verify: health probes';
  if ('name' in config && config.name) return config.name;
  if ('health' in config) return 'verify: health probes';
  if ('command' in config) return `verify: ${typeof config.command === 'string' ? config.command : config.command.run}`;
  if ('sql' in config) return `verify: ${config.sql} ${config.expect}`;
  if ('budget' in config) return `verify: ${config.budget.signal} below ${config.budget.below}`;
  return `verify: observe for ${Math.round(config.observe / 1000)}s`;
}
