import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { redact } from '../core/secrets.js';
import { formatProblem } from './config-problem.js';
import { configJsonSchema } from './json-schema.js';
import { loadConfigFile, MAX_CONFIG_BYTES, parseConfig } from './load-config.js';
import { starterConfig } from './starter-config.js';

const valid = `service: pulse-messages
environments:
  production:
    provider: { kind: vercel, project: pulse-messages, token: \${VERCEL_TOKEN} }
    signals:
      health: { http: https://app.example.com/health, every: 10s }
      requests: { ingest: true }
    rollback: [ { flags_off: [splitViewLayout] }, previous_release ]
    verify: [ health, { observe: 15m } ]
    notify: [ { slack: \${SLACK_WEBHOOK_URL} }, status_page ]
    escalation: [ { after: 0m, to: primary }, { after: 5m, to: secondary } ]
`;
const env = { VERCEL_TOKEN: 'vercel-secret-token-1', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/xyzsecret' };

function problems(text: string, vars: NodeJS.ProcessEnv = env) {
  const result = parseConfig(text, 'ripcord.yaml', vars);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('parseConfig', () => {
  it('fills in the seeds\' policy and triggers when the file leaves them out', () => {
    const result = parseConfig(valid, 'ripcord.yaml', env);
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    const production = result.config.environments.production;
    expect(result.config.policy.P0).toEqual({ action: 'rollback', within: 300_000 });
    expect(result.config.policy.P3).toEqual({ action: 'fix_forward', within: 'next_deploy' });
    expect(production?.defaultTriggers).toBe(true);
    expect(production?.triggers).toEqual([
      { signal: 'health.failures', above: { value: 3, unit: 'count' }, within: 300_000, severity: 'P0' },
      { signal: 'requests.error_rate', above: { value: 0.05, unit: 'ratio' }, for: 300_000, severity: 'P1' },
      { signal: 'requests.p95', above_baseline: 0.5, severity: 'P1' },
    ]);
    expect(production?.escalation).toEqual({ steps: [{ after: 0, to: ['primary'] }, { after: 300_000, to: ['secondary'] }], repeat: 0 });
  });

  it('resolves ${VARS} (also inside flow mappings) and registers them as secrets', () => {
    const result = parseConfig(valid, 'ripcord.yaml', env);
    if (!result.ok) throw new Error('expected a valid config');
    expect(result.config.environments.production?.provider).toEqual({ kind: 'vercel', project: 'pulse-messages', token: 'vercel-secret-token-1' });
    expect(redact('token=vercel-secret-token-1')).toBe('token=[redacted]');
  });

  it('names a missing variable with its line and field, and nothing else about that field', () => {
    const found = problems(valid, { VERCEL_TOKEN: 'x-token-value' });
    expect(found.map(formatProblem)).toEqual(['ripcord.yaml:10:24 environments.production.notify[0].slack: environment variable SLACK_WEBHOOK_URL is not set']);
  });

  it('reports every problem at once, located, with did-you-mean for near misses', () => {
    const text = `service: pulse-messages
policy:
  P1: { action: rollbak, within: 15m }
environments:
  production:
    signals:
      requests: { ingest: true }
    triggers:
      - { signal: requests.error_rate, above: 5%, for: 5mins, severity: P0 }
      - { signal: requests.p95, above_baseline: 50%, severty: P1 }
    rollback: [ { flags_of: [a] } ]
    verfy: [ health ]
`;
    expect(problems(text).map(formatProblem)).toEqual([
      'ripcord.yaml:3:17 policy.P1.action: expected one of: rollback, rollback_after_approval, kill_switch, fix_forward',
      'ripcord.yaml:9:56 environments.production.triggers[0].for: expected a duration like 30s, 5m or 1h',
      'ripcord.yaml:10:54 environments.production.triggers[1].severty: unknown key "severty": did you mean "severity"?',
      'ripcord.yaml:11:19 environments.production.rollback[0].flags_of: unknown key "flags_of": did you mean "flags_off"?',
      'ripcord.yaml:12:5 environments.production.verfy: unknown key "verfy": did you mean "verify"?',
    ]);
  });

  it('checks rules across fields: signal names, metrics, units, provider needed', () => {
    const text = `service: web
environments:
  staging:
    signals:
      requests: { ingest: true }
      health: { http: http://127.0.0.1:3000/health }
    triggers:
      - { signal: reqests.error_rate, above: 5%, for: 5m, severity: P1 }
      - { signal: requests.eror_rate, above: 5%, for: 5m, severity: P1 }
      - { signal: health.failures, above: 3%, within: 5m, severity: P0 }
    rollback: [ previous_release ]
`;
    expect(problems(text).map((p) => `${p.line} ${p.path}: ${p.message}`)).toEqual([
      '8 environments.staging.triggers[0].signal: unknown signal "reqests": did you mean "requests"?',
      '9 environments.staging.triggers[1].signal: a ingest signal has no metric "eror_rate": did you mean "error_rate"? (it has: error_rate, p95, p99, latency, count)',
      '10 environments.staging.triggers[2].above: health.failures is a count: write it as a plain number like 3',
      "11 environments.staging.rollback[0]: this step acts through the environment's provider: declare \"provider\" for this environment",
    ]);
  });

  it('checks the canary judge names an error rate or a latency of a request signal', () => {
    const text = `service: web
environments:
  production:
    signals: { requests: { ingest: true }, health: { http: http://127.0.0.1/health } }
    triggers:
      - { canary: [requests.count, health.latency, requests.p95], severity: P1, impact: major_feature }
`;
    expect(problems(text).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'environments.production.triggers[0].canary[0]: the canary judge compares error_rate or latency (latency, p95, p99: requests slower than the baseline P95)',
      'environments.production.triggers[0].canary[1]: the canary judge needs request outcomes: an ingest or prometheus signal',
    ]);
  });

  it('takes a latency margin for the canary judge, only where there are per-request latencies', () => {
    const text = `service: web
environments:
  production:
    signals: { requests: { ingest: true }, prom: { prometheus: { url: http://127.0.0.1:9090, error_ratio: x, p95: y } } }
    triggers:
      - { canary: [requests.error_rate, requests.p95], margin: 50%, severity: P1 }
      - { canary: [requests.error_rate], margin: 50%, severity: P1 }
      - { canary: [prom.p95], margin: 50%, severity: P1 }
`;
    expect(problems(text).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'environments.production.triggers[1].margin: margin applies to latency metrics (latency, p95, p99); the error rate is judged on any increase',
      // Prometheus gives a P95, not per-request counts: the judge has nothing to count (it used to count 0 slow forever).
      'environments.production.triggers[2].canary[0]: the canary judge compares error_rate or latency (latency, p95, p99: requests slower than the baseline P95)',
      'environments.production.triggers[2].margin: margin needs per-request latencies: prom.p95 must come from an ingest signal (Prometheus gives quantiles, not requests)',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    const found = problems('service: a\nenvironments:\n  production: {\n');
    expect(found[0]?.message).toMatch(/^YAML syntax:/);
    expect(found[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it('accepts the seeds\' severity names as aliases', () => {
    const text = `service: web
environments:
  production:
    signals: { reports: { reports: true } }
    triggers: [ { signal: reports.count, above: 10, within: 1h, severity: Sev2 } ]
`;
    const result = parseConfig(text, 'ripcord.yaml', {});
    expect(result.ok && result.config.environments.production?.triggers[0]?.severity).toBe('P1');
  });

  it('keeps the starter file that `ripcord init` writes valid', () => {
    const result = parseConfig(starterConfig('pulse-messages'), 'ripcord.yaml', {});
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.config.environments.production?.triggers).toHaveLength(4);
  });

  it('exports a JSON Schema that names every top-level and environment key', () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(['service', 'policy', 'environments', 'people', 'incidents']);
    expect(schema.required).toEqual(['service', 'environments']);
    const text = JSON.stringify(schema);
    for (const key of ['signals', 'triggers', 'rollback', 'verify', 'notify', 'escalation', 'above_baseline', 'flags_off']) expect(text).toContain(`"${key}"`);
  });
});

describe('people and incidents config', () => {
  it('normalises per-severity escalation under severity aliases and reports bad keys by path', () => {
    const good = parseConfig(
      [
        'service: web',
        'environments:',
        '  production: {}',
        'people:',
        '  alice: { email: alice@example.com, slack: "@alice" }',
        'incidents:',
        '  update_every: 5m',
        '  email: { smtp: "smtp://mail.example.com:587" }',
        '  escalation:',
        '    Sev1: { steps: [{ after: 0m, to: [alice] }], repeat: 2, ack_timeout: 10m }',
      ].join('\n'),
      'ripcord.yaml',
    );
    expect(good.ok && good.config.incidents?.escalation.P0).toEqual({ steps: [{ after: 0, to: ['alice'] }], repeat: 2, ackTimeout: 600_000 });
    expect(good.ok && good.config.incidents?.update_every).toBe(300_000);
    expect(good.ok && good.config.people?.alice?.slack).toBe('@alice');
    const bad = parseConfig(['service: web', 'environments:', '  production: {}', 'incidents:', '  escalation:', '    urgent: []'].join('\n'), 'ripcord.yaml');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems.map((p) => p.path).join(' ')).toContain('incidents.escalation');
  });

  it('asks for an SMTP server where email is used without one, naming the line', () => {
    const result = parseConfig(
      ['service: web', 'environments:', '  production:', '    notify:', '      - { email: { to: [ops@example.com] } }', 'people:', '  alice: { email: alice@example.com }'].join('\n'),
      'ripcord.yaml',
    );
    expect(result.ok).toBe(false);
    const problems = !result.ok ? result.problems.map((p) => `${p.line} ${p.path}: ${p.message}`) : [];
    expect(problems).toEqual([
      '5 environments.production.notify[0].email: email needs an SMTP server: set smtp here or incidents.email.smtp (smtp://user:pass@host:port)',
      '7 people.alice.email: paging by email needs an SMTP server: set incidents.email.smtp',
    ]);
  });
});

describe('loadConfigFile size limit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-config-size-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a 50 MB file by its size, naming the file, its size and the limit', () => {
    const file = join(dir, 'huge.yaml');
    // A sparse file: 50 MB on paper, nothing on disk; a real read of it would take the whole 50 MB.
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 50 * 1024 * 1024);
    closeSync(fd);
    const result = loadConfigFile(file, env);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]?.message).toBe(`${file} is 50 MB (52428800 bytes): the limit for a config file is 1 MB (1048576 bytes); a rollback plan is a few kilobytes, so check that this is the right file`);
  });

  it('accepts a file of exactly the limit and refuses one byte more', () => {
    const atLimit = join(dir, 'at-limit.yaml');
    // A valid config padded with a comment up to exactly 1 MB.
    writeFileSync(atLimit, `${valid}${'#'.repeat(MAX_CONFIG_BYTES - Buffer.byteLength(valid) - 1)}\n`);
    expect(statSync(atLimit).size).toBe(MAX_CONFIG_BYTES);
    expect(loadConfigFile(atLimit, env).ok).toBe(true);
    const over = join(dir, 'over.yaml');
    writeFileSync(over, `${readFileSync(atLimit, 'utf8')}#`);
    const result = loadConfigFile(over, env);
    expect(result.ok ? [] : result.problems.map((p) => p.message)).toEqual([expect.stringContaining('is 1 MB (1048577 bytes): the limit for a config file is 1 MB')]);
  });

  it('reads something that is not a regular file only up to the limit', () => {
    const result = loadConfigFile('/dev/zero', env);
    expect(result.ok ? [] : result.problems.map((p) => p.message)).toEqual(['/dev/zero is more than 1 MB: the limit for a config file is 1 MB (1048576 bytes); a rollback plan is a few kilobytes, so check that this is the right file']);
  });

  it('refuses text over the limit handed to parseConfig directly, before parsing it', () => {
    const text = `service: x\n${'a: ['.repeat(10)}${' '.repeat(MAX_CONFIG_BYTES)}`;
    expect(problems(text).map((p) => p.message)).toEqual([expect.stringContaining('ripcord.yaml is 1 MB (1048627 bytes)')]);
  });
});
