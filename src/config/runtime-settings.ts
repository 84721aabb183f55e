import { isAbsolute, relative, resolve } from 'node:path';
import { parseDuration } from '../core/duration.js';
import { type ErrorIssue, RipcordError } from '../core/errors.js';
import { registerSecret } from '../core/secrets.js';
import { defaultSecretKeyFile, parseSecretKey } from '../store/secret-key.js';

/** `ripcord serve`'s flags as commander hands them over: strings, absent when not given. */
export interface ServeFlags {
  port?: string | undefined;
  dataDir?: string | undefined;
  database?: string | undefined;
  watchInterval?: string | undefined;
  ofrepRateLimit?: string | undefined;
  corsOrigin?: string | undefined;
  publicUrl?: string | undefined;
  authFailureLimit?: string | undefined;
  streamLimitPerToken?: string | undefined;
  streamLimit?: string | undefined;
  secretKeyFile?: string | undefined;
}

/** Every value from flags and the environment that shapes how the server behaves, checked and typed. */
export interface RuntimeSettings {
  port: number;
  /** PostgreSQL URL; absent = SQLite under the data directory. */
  databaseUrl?: string | undefined;
  watchIntervalMs: number;
  rollbackCooldownMs: number;
  rollbackLeaseMs: number;
  corsOrigins?: string[] | undefined;
  logLevel: LogLevel;
  adminToken?: string | undefined;
  /** From `RIPCORD_SECRET_KEY`; when absent, the key lives in `secretKeyFile`. */
  secretKey?: Buffer | undefined;
  secretKeyFile: string;
  ofrepRateLimit: number;
  /** Absolute http(s) URL without a trailing slash, e.g. `https://ripcord.example.com` or `https://example.com/ripcord`. */
  publicUrl?: string | undefined;
  authFailureLimit: number;
  streamLimitPerToken: number;
  streamLimit: number;
}

export interface SettingProblem {
  /** The flag or variable, as the person typed it: `--port`, `RIPCORD_ROLLBACK_COOLDOWN_MS`. */
  name: string;
  message: string;
}

export type SettingsResult = { ok: true; settings: RuntimeSettings } | { ok: false; problems: SettingProblem[] };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The defaults, in one place: docs/configuration.md's settings table lists the same. */
export const SETTING_DEFAULTS = {
  port: 4747,
  watchIntervalMs: 5_000,
  rollbackCooldownMs: 10 * 60_000,
  rollbackLeaseMs: 15_000,
  logLevel: 'info',
  ofrepRateLimit: 5_000,
  authFailureLimit: 20,
  streamLimitPerToken: 5_000,
  streamLimit: 20_000,
} as const;

const MIN_ADMIN_TOKEN_LENGTH = 24;
const HOUR_MS = 3_600_000;

/**
 * Reads every setting and reports every problem at once (a flag wins over its variable). A value that
 * does not parse is an error naming the flag or variable and the value — never silently the default —
 * except secrets, whose values are never repeated.
 */
export function readRuntimeSettings(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): SettingsResult {
  const problems: SettingProblem[] = [];
  const pick = (flag: string | undefined, flagName: string | undefined, variable: string | undefined): Source | undefined => {
    if (flag !== undefined && flagName) return { name: flagName, value: flag };
    const value = variable ? env[variable] : undefined;
    // An empty variable is an unset one: `RIPCORD_ADMIN_TOKEN= ripcord serve` is how people clear it.
    return variable && value !== undefined && value !== '' ? { name: variable, value } : undefined;
  };
  const check = <T>(source: Source | undefined, parse: (value: string) => T | Problem, fallback: T, secret = false): T => {
    if (!source) return fallback;
    if (secret) registerSecret(source.value);
    const parsed = parse(source.value);
    if (parsed instanceof Problem) {
      // A secret's value is never repeated, not even a wrong one: it may be the right secret in the wrong variable.
      problems.push({ name: source.name, message: secret ? `${source.name} ${parsed.text}` : `${source.name}: "${source.value}" ${parsed.text}` });
      return fallback;
    }
    return parsed;
  };

  const port = check(pick(flags.port, '--port', undefined), integerIn(0, 65_535, 'is not a port number from 0 to 65535'), SETTING_DEFAULTS.port);
  const databaseUrl = check(pick(flags.database, '--database', 'RIPCORD_DATABASE_URL'), postgresUrl, undefined);
  const watchSource = pick(flags.watchInterval, '--watch-interval', 'RIPCORD_WATCH_INTERVAL_MS');
  const watchIntervalMs = check(
    watchSource,
    watchSource?.name === '--watch-interval' ? durationIn(100, HOUR_MS, 'is not a duration of at least 100ms and at most 1h; write it like 1s or 5s') : integerIn(100, HOUR_MS, 'is not a whole number of milliseconds from 100 to 3600000 (e.g. 5000 for 5 s)'),
    SETTING_DEFAULTS.watchIntervalMs,
  );
  const rollbackCooldownMs = check(
    pick(undefined, undefined, 'RIPCORD_ROLLBACK_COOLDOWN_MS'),
    integerIn(0, 7 * 24 * HOUR_MS, 'is not a whole number of milliseconds from 0 (no cooldown) to 604800000 (7 days), e.g. 600000 for 10 minutes'),
    SETTING_DEFAULTS.rollbackCooldownMs,
  );
  const rollbackLeaseMs = check(
    pick(undefined, undefined, 'RIPCORD_ROLLBACK_LEASE_MS'),
    integerIn(1_000, 10 * 60_000, 'is not a whole number of milliseconds from 1000 to 600000 (e.g. 15000 for 15 s)'),
    SETTING_DEFAULTS.rollbackLeaseMs,
  );
  const corsOrigins = check(pick(flags.corsOrigin, '--cors-origin', 'RIPCORD_CORS_ORIGINS'), originList, undefined);
  const logLevel = check(pick(undefined, undefined, 'RIPCORD_LOG_LEVEL'), (value) => ((LOG_LEVELS as readonly string[]).includes(value) ? (value as LogLevel) : new Problem(`is not a log level; use one of ${LOG_LEVELS.join(', ')}`)), SETTING_DEFAULTS.logLevel as LogLevel);
  const adminToken = check(pick(undefined, undefined, 'RIPCORD_ADMIN_TOKEN'), tokenShape, undefined, true);
  const secretKey = check(pick(undefined, undefined, 'RIPCORD_SECRET_KEY'), (value) => {
    const parsed = parseSecretKey(value);
    return Buffer.isBuffer(parsed) ? parsed : new Problem(parsed.problem);
  }, undefined, true);
  const secretKeyFile = check(pick(flags.secretKeyFile, '--secret-key-file', 'RIPCORD_SECRET_KEY_FILE'), (value) => resolve(value), defaultSecretKeyFile({ ...env, RIPCORD_SECRET_KEY_FILE: undefined }));
  const ofrepRateLimit = check(pick(flags.ofrepRateLimit, '--ofrep-rate-limit', undefined), integerIn(1, 1_000_000, 'is not a whole number of evaluations per second from 1 to 1000000'), SETTING_DEFAULTS.ofrepRateLimit);
  const publicUrl = check(pick(flags.publicUrl, '--public-url', 'RIPCORD_PUBLIC_URL'), baseUrl, undefined);
  const authFailureLimit = check(pick(flags.authFailureLimit, '--auth-failure-limit', 'RIPCORD_AUTH_FAILURE_LIMIT'), integerIn(1, 1_000_000, 'is not a whole number of failed authentications per minute from 1 to 1000000'), SETTING_DEFAULTS.authFailureLimit);
  const streamLimitPerToken = check(pick(flags.streamLimitPerToken, '--stream-limit-per-token', 'RIPCORD_STREAM_LIMIT_PER_TOKEN'), integerIn(1, 1_000_000, 'is not a whole number of open streams from 1 to 1000000'), SETTING_DEFAULTS.streamLimitPerToken);
  const streamLimit = check(pick(flags.streamLimit, '--stream-limit', 'RIPCORD_STREAM_LIMIT'), integerIn(1, 1_000_000, 'is not a whole number of open streams from 1 to 1000000'), SETTING_DEFAULTS.streamLimit);

  // The key next to the data it protects would protect nothing: a copy of the folder carries both.
  if (!secretKey && !databaseUrl) {
    const dataDir = resolve(flags.dataDir ?? '.ripcord');
    const inside = relative(dataDir, secretKeyFile);
    if (inside && !inside.startsWith('..') && !isAbsolute(inside)) {
      problems.push({ name: flags.secretKeyFile !== undefined ? '--secret-key-file' : 'RIPCORD_SECRET_KEY_FILE', message: `the secret key file ${secretKeyFile} is inside the data directory ${dataDir}: keep it elsewhere, or a copy of the data directory carries the key with it` });
    }
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    settings: { port, databaseUrl, watchIntervalMs, rollbackCooldownMs, rollbackLeaseMs, corsOrigins, logLevel, adminToken, secretKey, secretKeyFile, ofrepRateLimit, publicUrl, authFailureLimit, streamLimitPerToken, streamLimit },
  };
}

/** For `serve`: the settings, or a usage error listing every problem, one per line. */
export function requireRuntimeSettings(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): RuntimeSettings {
  const result = readRuntimeSettings(flags, env);
  if (result.ok) return result.settings;
  const issues: ErrorIssue[] = result.problems.map((problem) => ({ path: problem.name, message: problem.message }));
  if (issues.length === 1) throw new RipcordError('usage', result.problems[0]?.message as string, issues);
  throw new RipcordError('usage', `${issues.length} problems with the server's settings:\n${result.problems.map((problem) => `  ${problem.message}`).join('\n')}`, issues);
}

interface Source {
  name: string;
  value: string;
}

/** What a parser returns instead of a value: the reason, worded to follow the name (and value). */
class Problem {
  constructor(readonly text: string) {}
}

function integerIn(min: number, max: number, problem: string): (value: string) => number | Problem {
  return (value) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    return Number.isSafeInteger(n) && n >= min && n <= max ? n : new Problem(problem);
  };
}

function durationIn(min: number, max: number, problem: string): (value: string) => number | Problem {
  return (value) => {
    const ms = parseDuration(value);
    return ms !== undefined && ms >= min && ms <= max ? ms : new Problem(problem);
  };
}

function postgresUrl(value: string): string | Problem {
  const parsed = URL.canParse(value) ? new URL(value) : undefined;
  if (parsed?.password) registerSecret(decodeURIComponent(parsed.password));
  if (!parsed || (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')) return new Problem('is not a PostgreSQL URL; write it like postgres://user:password@host:5432/ripcord');
  return value;
}

function originList(list: string): string[] | Problem {
  const origins = list
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  const bad = origins.filter((origin) => !URL.canParse(origin) || new URL(origin).origin !== origin || !/^https?:$/.test(new URL(origin).protocol));
  if (bad.length > 0) return new Problem(`has ${bad.map((o) => `"${o}"`).join(', ')}, not ${bad.length === 1 ? 'an origin' : 'origins'}; write each like https://app.example.com (no path, no trailing slash)`);
  return origins.length > 0 ? origins : new Problem('names no origin');
}

/** `https://ripcord.example.com` or a base path `https://example.com/ripcord`; nothing after the path. */
function baseUrl(value: string): string | Problem {
  const parsed = URL.canParse(value) ? new URL(value) : undefined;
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return new Problem('is not an absolute http(s) URL; write it like https://ripcord.example.com');
  if (parsed.username || parsed.password) return new Problem('has a user or password in it; the public URL is shown to apps and browsers');
  if (parsed.search || value.includes('?')) return new Problem('has a query string; give only scheme, host and (optionally) a base path');
  if (parsed.hash || value.includes('#')) return new Problem('has a fragment; give only scheme, host and (optionally) a base path');
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

function tokenShape(value: string): string | Problem {
  if (!/^[\x21-\x7e]+$/.test(value)) return new Problem('has spaces or characters outside printable ASCII; a token is one word, as printed by ripcord token create');
  if (value.length < MIN_ADMIN_TOKEN_LENGTH) return new Problem(`is ${value.length} characters; an admin token needs at least ${MIN_ADMIN_TOKEN_LENGTH} (ripcord token create makes 47)`);
  return value;
}
