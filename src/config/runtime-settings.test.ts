import { describe, expect, it } from 'vitest';
import { isRipcordError } from '../core/errors.js';
import { redact } from '../core/secrets.js';
import { readRuntimeSettings, requireRuntimeSettings } from './runtime-settings.js';

const HOME = { HOME: '/home/ops' };

function problemsOf(flags: Parameters<typeof readRuntimeSettings>[0], env: NodeJS.ProcessEnv) {
  const result = readRuntimeSettings(flags, { ...HOME, ...env });
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('runtime settings', () => {
  it('has the documented defaults when nothing is set', () => {
    expect(readRuntimeSettings({}, HOME)).toEqual({
      ok: true,
      settings: {
        port: 4747,
        databaseUrl: undefined,
        watchIntervalMs: 5000,
        rollbackCooldownMs: 600_000,
        rollbackLeaseMs: 15_000,
        corsOrigins: undefined,
        logLevel: 'info',
        adminToken: undefined,
        secretKey: undefined,
        secretKeyFile: '/home/ops/.config/ripcord/secret.key',
        ofrepRateLimit: 5000,
        publicUrl: undefined,
        authFailureLimit: 20,
        streamLimitPerToken: 5_000,
        streamLimit: 20_000,
      },
    });
  });

  it('reads every variable and flag, a flag winning over its variable', () => {
    const result = readRuntimeSettings(
      { port: '0', watchInterval: '1s', ofrepRateLimit: '200', corsOrigin: 'https://app.example.com', streamLimit: '50', dataDir: '/srv/data' },
      {
        ...HOME,
        RIPCORD_WATCH_INTERVAL_MS: '2500',
        RIPCORD_ROLLBACK_COOLDOWN_MS: '0',
        RIPCORD_ROLLBACK_LEASE_MS: '1500',
        RIPCORD_CORS_ORIGINS: 'https://ignored.example.com',
        RIPCORD_LOG_LEVEL: 'warn',
        RIPCORD_DATABASE_URL: 'postgres://ripcord:pw@db.internal:5432/ripcord',
        RIPCORD_ADMIN_TOKEN: 'rcp_0123456789abcdefghijklmnop',
        RIPCORD_SECRET_KEY: 'ab'.repeat(32),
        RIPCORD_PUBLIC_URL: 'https://example.com/ripcord/',
        RIPCORD_AUTH_FAILURE_LIMIT: '5',
        RIPCORD_STREAM_LIMIT_PER_TOKEN: '3',
        RIPCORD_STREAM_LIMIT: '9999',
        RIPCORD_SECRET_KEY_FILE: '/run/secrets/ripcord.key',
      },
    );
    expect(result).toEqual({
      ok: true,
      settings: {
        port: 0,
        databaseUrl: 'postgres://ripcord:pw@db.internal:5432/ripcord',
        watchIntervalMs: 1000,
        rollbackCooldownMs: 0,
        rollbackLeaseMs: 1500,
        corsOrigins: ['https://app.example.com'],
        logLevel: 'warn',
        adminToken: 'rcp_0123456789abcdefghijklmnop',
        secretKey: Buffer.alloc(32, 0xab),
        secretKeyFile: '/run/secrets/ripcord.key',
        ofrepRateLimit: 200,
        // The base path is kept, the trailing slash is not.
        publicUrl: 'https://example.com/ripcord',
        authFailureLimit: 5,
        streamLimitPerToken: 3,
        streamLimit: 50,
      },
    });
    expect(readRuntimeSettings({}, { ...HOME, RIPCORD_WATCH_INTERVAL_MS: '2500' })).toMatchObject({ ok: true, settings: { watchIntervalMs: 2500 } });
  });

  it('names the variable and its bad value: RIPCORD_ROLLBACK_COOLDOWN_MS=abc is an error, not a cooldown turned off', () => {
    expect(problemsOf({}, { RIPCORD_ROLLBACK_COOLDOWN_MS: 'abc' })).toEqual([
      { name: 'RIPCORD_ROLLBACK_COOLDOWN_MS', message: 'RIPCORD_ROLLBACK_COOLDOWN_MS: "abc" is not a whole number of milliseconds from 0 (no cooldown) to 604800000 (7 days), e.g. 600000 for 10 minutes' },
    ]);
  });

  it('reports every bad value at once, each by its name, in one usage error', () => {
    const env = {
      RIPCORD_WATCH_INTERVAL_MS: '5s',
      RIPCORD_ROLLBACK_COOLDOWN_MS: '-1',
      RIPCORD_ROLLBACK_LEASE_MS: '10',
      RIPCORD_CORS_ORIGINS: 'https://ok.example.com,https://app.example.com/,*',
      RIPCORD_LOG_LEVEL: 'verbose',
      RIPCORD_DATABASE_URL: 'mysql://db/ripcord',
      RIPCORD_ADMIN_TOKEN: 'short-secret',
      RIPCORD_SECRET_KEY: 'not-a-key-but-secret',
      RIPCORD_PUBLIC_URL: 'ripcord.example.com',
      RIPCORD_AUTH_FAILURE_LIMIT: '0',
      RIPCORD_STREAM_LIMIT_PER_TOKEN: '1.5',
      RIPCORD_STREAM_LIMIT: 'lots',
    };
    const problems = problemsOf({ port: '70000', ofrepRateLimit: 'fast' }, env);
    expect(problems.map((p) => p.name)).toEqual([
      '--port',
      'RIPCORD_DATABASE_URL',
      'RIPCORD_WATCH_INTERVAL_MS',
      'RIPCORD_ROLLBACK_COOLDOWN_MS',
      'RIPCORD_ROLLBACK_LEASE_MS',
      'RIPCORD_CORS_ORIGINS',
      'RIPCORD_LOG_LEVEL',
      'RIPCORD_ADMIN_TOKEN',
      'RIPCORD_SECRET_KEY',
      '--ofrep-rate-limit',
      'RIPCORD_PUBLIC_URL',
      'RIPCORD_AUTH_FAILURE_LIMIT',
      'RIPCORD_STREAM_LIMIT_PER_TOKEN',
      'RIPCORD_STREAM_LIMIT',
    ]);
    const message = (name: string) => problems.find((p) => p.name === name)?.message;
    expect(message('--port')).toBe('--port: "70000" is not a port number from 0 to 65535');
    expect(message('RIPCORD_WATCH_INTERVAL_MS')).toBe('RIPCORD_WATCH_INTERVAL_MS: "5s" is not a whole number of milliseconds from 100 to 3600000 (e.g. 5000 for 5 s)');
    expect(message('RIPCORD_CORS_ORIGINS')).toBe('RIPCORD_CORS_ORIGINS: "https://ok.example.com,https://app.example.com/,*" has "https://app.example.com/", "*", not origins; write each like https://app.example.com (no path, no trailing slash)');
    expect(message('RIPCORD_LOG_LEVEL')).toBe('RIPCORD_LOG_LEVEL: "verbose" is not a log level; use one of fatal, error, warn, info, debug, trace, silent');
    expect(message('RIPCORD_DATABASE_URL')).toContain('is not a PostgreSQL URL');
    expect(message('RIPCORD_PUBLIC_URL')).toBe('RIPCORD_PUBLIC_URL: "ripcord.example.com" is not an absolute http(s) URL; write it like https://ripcord.example.com');
    // Secrets are named, never repeated.
    expect(message('RIPCORD_ADMIN_TOKEN')).toBe('RIPCORD_ADMIN_TOKEN is 12 characters; an admin token needs at least 24 (ripcord token create makes 47)');
    expect(message('RIPCORD_SECRET_KEY')).toBe('RIPCORD_SECRET_KEY is not a 32-byte key (got 20 characters); write 64 hex digits or 32 bytes in base64, e.g. from openssl rand -hex 32');
    expect(problems.map((p) => p.message).join('\n')).not.toMatch(/short-secret|not-a-key-but-secret/);
    // And masked wherever they might still turn up (a log line, an error from a library).
    expect(redact('token=short-secret key=not-a-key-but-secret')).toBe('token=[redacted] key=[redacted]');

    let error: unknown;
    try {
      requireRuntimeSettings({ port: '70000', ofrepRateLimit: 'fast' }, { ...HOME, ...env });
    } catch (caught) {
      error = caught;
    }
    expect(isRipcordError(error) && error.code).toBe('usage');
    const lines = (error as Error).message.split('\n');
    expect(lines[0]).toBe("14 problems with the server's settings:");
    expect(lines.slice(1)).toEqual(problems.map((p) => `  ${p.message}`));
  });

  it('takes a public URL with a base path, and refuses a query, a fragment or credentials', () => {
    const publicUrl = (value: string) => readRuntimeSettings({ publicUrl: value }, HOME);
    expect(publicUrl('http://127.0.0.1:4747')).toMatchObject({ settings: { publicUrl: 'http://127.0.0.1:4747' } });
    expect(publicUrl('https://Example.COM/')).toMatchObject({ settings: { publicUrl: 'https://example.com' } });
    expect(problemsOf({ publicUrl: 'https://example.com/?x=1' }, {})[0]?.message).toBe('--public-url: "https://example.com/?x=1" has a query string; give only scheme, host and (optionally) a base path');
    expect(problemsOf({ publicUrl: 'https://example.com/#top' }, {})[0]?.message).toContain('has a fragment');
    expect(problemsOf({ publicUrl: 'https://user:pw@example.com' }, {})[0]?.message).toContain('has a user or password in it');
    expect(problemsOf({ publicUrl: 'ftp://example.com' }, {})[0]?.message).toContain('is not an absolute http(s) URL');
  });

  it('keeps the --watch-interval wording and range, and treats an empty variable as unset', () => {
    expect(problemsOf({ watchInterval: 'often' }, {})[0]?.message).toBe('--watch-interval: "often" is not a duration of at least 100ms and at most 1h; write it like 1s or 5s');
    expect(problemsOf({ watchInterval: '50ms' }, {})).toHaveLength(1);
    expect(readRuntimeSettings({}, { ...HOME, RIPCORD_ADMIN_TOKEN: '', RIPCORD_ROLLBACK_COOLDOWN_MS: '' })).toMatchObject({ ok: true, settings: { adminToken: undefined, rollbackCooldownMs: 600_000 } });
  });

  it('refuses a secret key file inside the data directory it protects', () => {
    expect(problemsOf({ dataDir: '/srv/ripcord', secretKeyFile: '/srv/ripcord/secret.key' }, {})).toEqual([
      { name: '--secret-key-file', message: 'the secret key file /srv/ripcord/secret.key is inside the data directory /srv/ripcord: keep it elsewhere, or a copy of the data directory carries the key with it' },
    ]);
    expect(readRuntimeSettings({ dataDir: '/srv/ripcord', secretKeyFile: '/srv/ripcord-keys/secret.key' }, HOME).ok).toBe(true);
    // With PostgreSQL the data directory holds no store, so nothing to keep apart.
    expect(readRuntimeSettings({ dataDir: '/srv/ripcord', secretKeyFile: '/srv/ripcord/secret.key', database: 'postgres://db/ripcord' }, HOME).ok).toBe(true);
  });
});
