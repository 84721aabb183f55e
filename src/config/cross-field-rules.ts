import { closest } from '../core/levenshtein.js';
import type { ConfigPath } from './config-problem.js';
import type { EnvironmentConfig, ParsedConfig } from './schema/config-schema.js';
import { metricsOf, SIGNAL_SOURCES } from '../signals/signal-registry.js';
import { SIGNAL_METRICS, signalKind } from './schema/signals-schema.js';

export interface RuleProblem {
  path: ConfigPath;
  message: string;
}

const UNIT_WORDS = {
  ratio: 'a ratio: write it as a percentage like 5%',
  ms: 'a latency: write it as a duration like 500ms',
  count: 'a count: write it as a plain number like 3',
} as const;

/** The third step of validation: rules that span fields (a trigger names a signal that exists, …). */
export function checkCrossFieldRules(environments: Record<string, EnvironmentConfig>): RuleProblem[] {
  const problems: RuleProblem[] = [];
  for (const [envName, env] of Object.entries(environments)) {
    checkEnvironment(env, ['environments', envName], problems);
  }
  return problems;
}

/** Rules between `notify:`/`people:` and `incidents:`: email needs an SMTP server somewhere. */
export function checkIncidentRules(config: ParsedConfig): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (config.incidents?.email?.smtp) return problems;
  const hint = 'set smtp here or incidents.email.smtp (smtp://user:pass@host:port)';
  for (const [envName, env] of Object.entries(config.environments)) {
    (env.notify ?? []).forEach((entry, index) => {
      if (typeof entry === 'object' && 'email' in entry && !entry.email.smtp) {
        problems.push({ path: ['environments', envName, 'notify', index, 'email'], message: `email needs an SMTP server: ${hint}` });
      }
    });
  }
  for (const [name, person] of Object.entries(config.people ?? {})) {
    if (person.email) problems.push({ path: ['people', name, 'email'], message: 'paging by email needs an SMTP server: set incidents.email.smtp' });
  }
  return problems;
}

function checkEnvironment(env: EnvironmentConfig, at: ConfigPath, problems: RuleProblem[]): void {
  const signals = env.signals ?? {};
  const metricUnit = (ref: string, path: ConfigPath): 'ratio' | 'ms' | 'count' | undefined => {
    const dot = ref.lastIndexOf('.');
    const [name, metric] = [ref.slice(0, dot), ref.slice(dot + 1)];
    const signal = signals[name];
    if (!signal) {
      const hint = closest(name, Object.keys(signals));
      const known = Object.keys(signals);
      problems.push({
        path,
        message: hint
          ? `unknown signal "${name}": did you mean "${hint}"?`
          : `unknown signal "${name}" (this environment's signals: ${known.length ? known.join(', ') : 'none declared'})`,
      });
      return undefined;
    }
    const metrics = SIGNAL_METRICS[signalKind(signal)];
    const unit = metrics[metric];
    if (!unit) {
      const hint = closest(metric, Object.keys(metrics));
      problems.push({
        path,
        message: `a ${signalKind(signal)} signal has no metric "${metric}"${hint ? `: did you mean "${hint}"?` : ''} (it has: ${Object.keys(metrics).join(', ')})`,
      });
    }
    return unit;
  };

  (env.triggers ?? []).forEach((trigger, index) => {
    const path = [...at, 'triggers', index];
    if ('canary' in trigger) {
      trigger.canary.forEach((ref, i) => {
        metricUnit(ref, [...path, 'canary', i]);
        const signal = signals[ref.slice(0, ref.lastIndexOf('.'))];
        const judgedKinds = SIGNAL_SOURCES.filter((source) => Object.values(source.metrics).some((m) => 'judged' in m && m.judged)).map((source) => source.kind);
        if (signal && !judgedKinds.includes(signalKind(signal))) {
          problems.push({ path: [...path, 'canary', i], message: `the canary judge needs request outcomes: an ${judgedKinds.join(' or ')} signal` });
        } else if (signal && !metricsOf(signal)[ref.slice(ref.lastIndexOf('.') + 1)]?.judged) {
          problems.push({ path: [...path, 'canary', i], message: 'the canary judge compares error_rate or latency (latency, p95, p99: requests slower than the baseline P95)' });
        }
      });
      if (trigger.margin !== undefined) {
        const latencyRefs = trigger.canary.filter((ref) => /\.(latency|p95|p99)$/.test(ref));
        if (latencyRefs.length === 0) {
          problems.push({ path: [...path, 'margin'], message: 'margin applies to latency metrics (latency, p95, p99); the error rate is judged on any increase' });
        }
        latencyRefs.forEach((ref) => {
          const signal = signals[ref.slice(0, ref.lastIndexOf('.'))];
          if (signal && signalKind(signal) !== 'ingest') {
            problems.push({ path: [...path, 'margin'], message: `margin needs per-request latencies: ${ref} must come from an ingest signal (Prometheus gives quantiles, not requests)` });
          }
        });
        if (!(trigger.margin > 0)) problems.push({ path: [...path, 'margin'], message: 'margin must be above 0% (leave it out to judge any increase)' });
      }
    } else if ('alert' in trigger) {
      if (!Object.values(signals).some((signal) => signalKind(signal) === 'alertmanager')) {
        problems.push({ path: [...path, 'alert'], message: 'an alert trigger needs an alertmanager signal in this environment' });
      }
    } else {
      const unit = metricUnit(trigger.signal, [...path, 'signal']);
      if (unit && 'above' in trigger && trigger.above.unit !== unit) {
        problems.push({ path: [...path, 'above'], message: `${trigger.signal} is ${UNIT_WORDS[unit]}` });
      }
    }
  });

  const httpSignals = Object.entries(signals)
    .filter(([, signal]) => signalKind(signal) === 'http')
    .map(([name]) => name);
  (env.verify ?? []).forEach((step, index) => {
    const path = [...at, 'verify', index];
    if (step === 'health' && httpSignals.length === 0) {
      problems.push({ path, message: 'verify "health" needs at least one http signal in this environment' });
    } else if (typeof step === 'object' && 'health' in step) {
      step.health.forEach((name, i) => {
        if (!httpSignals.includes(name)) {
          problems.push({ path: [...path, 'health', i], message: `"${name}" is not an http signal of this environment (http signals: ${httpSignals.join(', ') || 'none'})` });
        }
      });
    } else if (typeof step === 'object' && 'budget' in step) {
      const unit = metricUnit(step.budget.signal, [...path, 'budget', 'signal']);
      if (unit && step.budget.below.unit !== unit) {
        problems.push({ path: [...path, 'budget', 'below'], message: `${step.budget.signal} is ${UNIT_WORDS[unit]}` });
      }
    }
  });

  (env.rollback ?? []).forEach((step, index) => {
    const needsProvider = step === 'previous_release' || (typeof step === 'object' && ('previous_release' in step || 'traffic' in step));
    if (needsProvider && !env.provider) {
      problems.push({ path: [...at, 'rollback', index], message: 'this step acts through the environment\'s provider: declare "provider" for this environment' });
    }
    checkProviderSettings(env, step, [...at, 'rollback', index], problems);
  });

  const escalation = Array.isArray(env.escalation) ? env.escalation : env.escalation?.steps;
  const escalationPath = Array.isArray(env.escalation) ? [...at, 'escalation'] : [...at, 'escalation', 'steps'];
  escalation?.forEach((step, index) => {
    const previous = escalation[index - 1];
    if (previous && step.after < previous.after) {
      problems.push({ path: [...escalationPath, index, 'after'], message: 'escalation steps must be in order of "after"' });
    }
  });
}


/** Rollback steps that need a settings section beside `provider` (postgres, config providers). */
function checkProviderSettings(env: EnvironmentConfig, step: NonNullable<EnvironmentConfig['rollback']>[number], path: ConfigPath, problems: RuleProblem[]): void {
  if (typeof step !== 'object') return;
  const inner: [unknown, ConfigPath][] = 'step' in step ? [[step.step, [...path, 'step']], [step.fallback, [...path, 'fallback']]] : [[step, path]];
  for (const [one, at] of inner as [typeof step, ConfigPath][]) {
    if (typeof one !== 'object') continue;
    if ('database' in one) {
      if (!env.database) {
        problems.push({ path: [...at, 'database'], message: 'a database step needs a "database" section in this environment (url, and migrations for down-migrations)' });
      } else if (one.database === 'down-migrations' && !env.database.migrations) {
        problems.push({ path: [...at, 'database'], message: 'down-migrations needs database.migrations: the folder with each migration\'s down.sql' });
      }
    }
    if ('config' in one && !env.config_files) {
      problems.push({ path: [...at, 'config'], message: 'a config restore step needs "config_files" in this environment, e.g. config_files: [.env.production]' });
    }
  }
}
