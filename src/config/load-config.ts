import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { RipcordError } from '../core/errors.js';
import { redact } from '../core/secrets.js';
import { type ConfigProblem, formatPath, formatProblem } from './config-problem.js';
import { checkCrossFieldRules, checkIncidentRules } from './cross-field-rules.js';
import { DEFAULT_POLICY, defaultTriggers } from './defaults.js';
import { type InterpolationProblem, interpolate, protectReferences } from './interpolate.js';
import { normalizeEscalation, normalizeIncidents, type RipcordConfig } from './ripcord-config.js';
import { configSchema, type EnvironmentConfig, environmentSchema, type ParsedConfig } from './schema/config-schema.js';
import { describeIssues } from './schema-issues.js';
import { YamlLocator } from './yaml-locator.js';

export type ConfigResult =
  | { ok: true; config: RipcordConfig; file: string }
  | { ok: false; problems: ConfigProblem[]; file: string };

/**
 * Reads `ripcord.yaml` in three steps (YAML syntax and `${VARS}`, schema, cross-field rules) and
 * reports every problem at once, each with file:line:column and the field path.
 */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_CONFIG_BYTES) return tooLarge(file, `is ${formatSize(size)} (${size} bytes)`);
  const lines = new LineCounter();
  const references = protectReferences(text);
  const doc = parseDocument(references.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      file,
      problems: doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return { file, line, column: col, path: '', message: `YAML syntax: ${error.message.split('\n')[0]}` };
      }),
    };
  }
  const locator = new YamlLocator(doc, lines);
  const at = (path: (string | number)[], message: string, atKey = false): ConfigProblem => ({
    file,
    ...locator.locate(path, atKey),
    path: formatPath(path),
    message: redact(message),
  });

  const raw: unknown = references.restore(doc.toJS());
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, file, problems: [at([], 'expected a mapping with "service" and "environments"')] };
  }

  const interpolationProblems: InterpolationProblem[] = [];
  const resolved = interpolate(raw, env, interpolationProblems);
  const parsed = configSchema.safeParse(resolved);
  const problems = interpolationProblems.map((problem) => at(problem.path, problem.message));
  const unresolved = new Set(interpolationProblems.map((problem) => formatPath(problem.path)));
  if (!parsed.success) {
    const schemaProblems = describeIssues(parsed.error.issues, configSchema, resolved);
    problems.push(
      ...schemaProblems.filter((p) => !unresolved.has(formatPath(p.path))).map((p) => at(p.path, p.message, p.atKey)),
    );
    // Environments that are valid on their own still get their cross-field rules checked, so one
    // run reports everything it can.
    problems.push(...checkValidEnvironments(resolved).map((p) => at(p.path, p.message)));
  } else {
    problems.push(...checkCrossFieldRules(parsed.data.environments).map((p) => at(p.path, p.message)));
    problems.push(...checkIncidentRules(parsed.data).map((p) => at(p.path, p.message)));
  }
  if (problems.length > 0 || !parsed.success) {
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    return { ok: false, file, problems };
  }
  return { ok: true, file, config: withDefaults(parsed.data) };
}

/**
 * The largest `ripcord.yaml` read: a real rollback plan is a few kilobytes, and YAML parsing of a huge
 * file (or one full of aliases) takes minutes and gigabytes before any error could be reported.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): ConfigResult {
  let text: string;
  try {
    const read = readBounded(file, MAX_CONFIG_BYTES);
    if ('tooLarge' in read) return tooLarge(file, read.tooLarge);
    text = read.text;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    return { ok: false, file, problems: [{ file, line: 1, column: 1, path: '', message: reason }] };
  }
  return parseConfig(text, file, env);
}

/**
 * Refuses a regular file by its size before reading a byte; anything else (a pipe, /dev/zero) is read
 * only up to one byte past the limit, so nothing is ever held in memory beyond it.
 */
function readBounded(file: string, limit: number): { text: string } | { tooLarge: string } {
  const fd = openSync(file, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() && stat.size > limit) return { tooLarge: `is ${formatSize(stat.size)} (${stat.size} bytes)` };
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > limit) return { tooLarge: `is more than ${formatSize(limit)}` };
    return { text: buffer.toString('utf8', 0, length) };
  } finally {
    closeSync(fd);
  }
}

function tooLarge(file: string, what: string): ConfigResult {
  return {
    ok: false,
    file,
    problems: [{ file, line: 1, column: 1, path: '', message: `${file} ${what}: the limit for a config file is ${formatSize(MAX_CONFIG_BYTES)} (${MAX_CONFIG_BYTES} bytes); a rollback plan is a few kilobytes, so check that this is the right file` }],
  };
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} kB`;
  return `${bytes} bytes`;
}

/** For callers that cannot go on without a valid config (serve, release): throws with every problem listed. */
export function requireConfig(file: string, env: NodeJS.ProcessEnv = process.env): RipcordConfig {
  const result = loadConfigFile(file, env);
  if (result.ok) return result.config;
  throw new RipcordError(
    'config_invalid',
    `${file} has ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}:\n${result.problems.map(formatProblem).join('\n')}`,
    result.problems.map((problem) => ({ path: problem.path, message: problem.message })),
  );
}

function checkValidEnvironments(resolved: unknown): ReturnType<typeof checkCrossFieldRules> {
  const environments = (resolved as { environments?: unknown }).environments;
  if (environments === null || typeof environments !== 'object') return [];
  const valid: Record<string, EnvironmentConfig> = {};
  for (const [name, env] of Object.entries(environments)) {
    const parsed = environmentSchema.safeParse(env);
    if (parsed.success) valid[name] = parsed.data;
  }
  return checkCrossFieldRules(valid);
}

function withDefaults(parsed: ParsedConfig): RipcordConfig {
  return {
    service: parsed.service,
    policy: { ...DEFAULT_POLICY, ...stripUndefined(parsed.policy ?? {}) },
    people: parsed.people,
    incidents: normalizeIncidents(parsed.incidents),
    environments: Object.fromEntries(
      Object.entries(parsed.environments).map(([name, env]) => {
        const { triggers, escalation, ...rest } = env;
        return [
          name,
          {
            ...rest,
            name,
            triggers: triggers ?? defaultTriggers(env.signals ?? {}),
            defaultTriggers: triggers === undefined,
            escalation: normalizeEscalation(escalation),
          },
        ];
      }),
    ),
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
