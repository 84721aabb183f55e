import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { type Clock, systemClock } from '../../core/clock.js';
import { RipcordError } from '../../core/errors.js';
import { formatDuration } from '../../core/duration.js';
import { registerSecret } from '../../core/secrets.js';
import type { SnapshotInput } from '../../deployments/ledger.js';
import { FileJournal, OncePerKey } from '../idempotency-journal.js';
import type { Provider, StepRequest, StepResult } from '../provider.js';
import type { ProviderDeps } from '../provider-deps.js';
import { assertKnownAction, providerError, throwIfAborted } from '../provider-support.js';
import { runChecked } from '../run-process.js';
import { DEFAULT_DUMP_TIMEOUT_MS, type PostgresConfig } from './postgres-config.js';

const ACTIONS = ['backup', 'down_migrations', 'restore', 'restore_if_migrated'] as const;

export interface AppliedMigration {
  name: string;
  startedAt: string;
  finishedAt?: string | undefined;
}

interface Connection {
  /** The URL without its password, safe for argv; the password goes through PGPASSWORD. */
  url: string;
  database: string;
  env: NodeJS.ProcessEnv;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const stamp = (date: Date): string => date.toISOString().replace(/[:.]/g, '-');
const safe = (text: string): string => text.replace(/[^\w.-]/g, '_');

/**
 * The database half of a rollback plan (seed 002): `backup` (pg_dump, custom format) before a release,
 * and on rollback `down_migrations` (the release's down.sql files in one transaction) or `restore`
 * (pg_restore --clean after an emergency backup; data-losing, so it must be allowed and says what is lost).
 * `restore_if_migrated` restores only when the release applied migrations.
 */
export class PostgresProvider implements Provider {
  readonly kind = 'postgres';
  readonly actions = ACTIONS;
  /** The pre-release database backup safeguard. */
  readonly capabilities = { snapshot: 'backup' };
  private readonly once: OncePerKey;
  private readonly backups: string;
  private readonly clock: Clock;
  private readonly connection: Connection;

  constructor(
    private readonly config: PostgresConfig,
    deps: ProviderDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.backups = config.backups ?? join(deps.stateDir, 'postgres', 'backups');
    this.once = new OncePerKey(new FileJournal(join(deps.stateDir, 'postgres', 'journal')));
    this.connection = connectionFor(config.url);
  }

  describe(request: Omit<StepRequest, 'signal' | 'log'>): string {
    assertKnownAction(this.kind, this.actions, request.action);
    const db = this.connection.database;
    switch (request.action) {
      case 'backup':
        return `pg_dump database ${db} (custom format) into ${this.backups} and record it as a database_backup snapshot`;
      case 'down_migrations':
        return `run the down.sql of every migration ${request.release.version} applied to ${db} (newest first, in one transaction) from ${this.config.migrations ?? '(no migrations folder configured)'}`;
      default: {
        const backup = this.findBackup(request);
        const age = backup ? ` taken ${backup.takenAt ?? 'at an unknown time'}` : ' (none recorded yet)';
        const when = request.action === 'restore_if_migrated' ? `if ${request.release.version} applied migrations: ` : '';
        const gate = this.dataLossAllowed(request.params) ? '' : ' (refused unless data loss is allowed: database.allow_data_loss, the step\'s allow_data_loss or confirm_data_loss)';
        return `${when}take an emergency backup of ${db}, then pg_restore --clean the backup${age}; DATA LOSS: everything written since that backup${gate}`;
      }
    }
  }

  async perform(request: StepRequest): Promise<StepResult> {
    assertKnownAction(this.kind, this.actions, request.action);
    throwIfAborted(request.signal, this.kind, request.action);
    if (request.action === 'restore' || request.action === 'restore_if_migrated') this.assertDataLossAllowed(request.params);
    return this.once.run(request.idempotencyKey, async () => {
      throwIfAborted(request.signal, this.kind, request.action);
      switch (request.action) {
        case 'backup':
          return this.backup(request, 'before-release');
        case 'down_migrations':
          return this.downMigrations(request);
        case 'restore':
          return this.restore(request);
        default:
          return this.restoreIfMigrated(request);
      }
    });
  }

  /** Migrations recorded in the migrations table that started at or after `since` and are not rolled back. */
  async appliedSince(since: Date): Promise<AppliedMigration[]> {
    return this.withClient(async (client) => {
      const table = this.config.migrations_table;
      const rows = await client.query<{ migration_name: string; started_at: Date; finished_at: Date | null }>(
        `SELECT migration_name, started_at, finished_at FROM "${table}" WHERE started_at >= $1 AND rolled_back_at IS NULL ORDER BY started_at DESC, migration_name DESC`,
        [since],
      );
      return rows.rows.map((row) => ({ name: row.migration_name, startedAt: row.started_at.toISOString(), finishedAt: row.finished_at?.toISOString() }));
    });
  }

  /** A verification query's single number (`SELECT count(*) FROM "User"`), for `verify: [{ sql, expect }]`. */
  async scalar(sql: string, signal: AbortSignal): Promise<number> {
    throwIfAborted(signal, this.kind, 'sql');
    return this.withClient(async (client) => {
      const result = await client.query({ text: sql, rowMode: 'array' });
      const value = Number((result.rows[0] as unknown[] | undefined)?.[0]);
      if (!Number.isFinite(value)) throw providerError(`verification query must return one number; it returned ${JSON.stringify(result.rows[0] ?? null)}`);
      return value;
    });
  }

  /** Exact row counts of named tables: the "before" that verification's `{sql, expect: '>= snapshot'}` compares with. */
  async rowCounts(tables: string[]): Promise<Record<string, number> | undefined> {
    if (tables.length === 0) return undefined;
    return this.withClient(async (client) => {
      const counts: Record<string, number> = {};
      for (const table of tables) {
        const quoted = table.split('.').map((part) => `"${part.replaceAll('"', '""')}"`).join('.');
        const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoted}`);
        counts[table] = Number(result.rows[0]?.n ?? 0);
      }
      return counts;
    });
  }

  private async withClient<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.config.url });
    try {
      await client.connect();
    } catch (error) {
      throw providerError(`cannot connect to database ${this.connection.database}: ${(error as Error).message}`);
    }
    try {
      return await use(client);
    } catch (error) {
      if (error instanceof RipcordError) throw error;
      throw providerError(`database ${this.connection.database}: ${(error as Error).message}`);
    } finally {
      await client.end().catch(() => {});
    }
  }

  private async backup(request: StepRequest, purpose: 'before-release' | 'emergency'): Promise<StepResult> {
    mkdirSync(this.backups, { recursive: true });
    const takenAt = this.clock.now();
    const { release } = request;
    const file = join(this.backups, `${safe(release.service)}-${safe(release.environment)}-${safe(release.version)}-${purpose}-${stamp(takenAt)}.dump`);
    request.log(`postgres: pg_dump ${this.connection.database} → ${file}`);
    const started = Date.now();
    await runChecked('pg_dump', ['--format=custom', '--no-password', `--file=${file}`, `--dbname=${this.connection.url}`], {
      env: this.connection.env,
      signal: request.signal,
      timeoutMs: this.config.timeout ?? DEFAULT_DUMP_TIMEOUT_MS,
    });
    const durationMs = Date.now() - started;
    const size = statSync(file).size;
    const rowCounts = purpose === 'before-release' ? await this.rowCounts(tablesParam(request.params.row_counts)) : undefined;
    const checksum = await sha256File(file);
    const snapshot: SnapshotInput = {
      kind: 'database_backup',
      reference: file,
      checksum: `sha256:${checksum}`,
      takenAt: takenAt.toISOString(),
      details: { database: this.connection.database, format: 'custom', sizeBytes: size, durationMs, purpose, tool: 'pg_dump', ...(rowCounts ? { rowCounts } : {}) },
    };
    return {
      summary: `${purpose === 'emergency' ? 'emergency backup' : 'backed up'} ${this.connection.database} (${formatBytes(size)}, ${formatDuration(durationMs)}): RPO from ${takenAt.toISOString()}`,
      details: { file, sizeBytes: size, checksum: snapshot.checksum, durationMs, rpoFrom: takenAt.toISOString() },
      snapshots: [snapshot],
    };
  }

  private dataLossAllowed(params: Record<string, unknown>): boolean {
    return this.config.allow_data_loss || params.allow_data_loss === true || params.confirm_data_loss === true;
  }

  private assertDataLossAllowed(params: Record<string, unknown>): void {
    if (this.dataLossAllowed(params)) return;
    throw new RipcordError(
      'invalid_input',
      'restoring the database backup discards everything written since the backup: allow it with database.allow_data_loss: true, allow_data_loss: true on the step, or confirm it at rollback time (confirm_data_loss)',
      [{ path: 'database.allow_data_loss', message: 'expected true to allow a data-losing restore' }],
    );
  }

  /** The backup taken before this release: a `database_backup` snapshot on the release (not an emergency one), or `params.backup`. */
  private findBackup(request: Pick<StepRequest, 'params' | 'release'>): { file: string; checksum?: string | undefined; takenAt?: string | undefined } | undefined {
    if (typeof request.params.backup === 'string') return { file: request.params.backup };
    const candidates = request.release.snapshots
      .filter((s) => s.kind === 'database_backup' && (s.details as { purpose?: string } | undefined)?.purpose !== 'emergency')
      .sort((a, b) => b.takenAt.localeCompare(a.takenAt));
    const found = candidates[0];
    return found ? { file: found.reference, checksum: found.checksum, takenAt: found.takenAt } : undefined;
  }

  private releaseWindowStart(request: StepRequest): Date {
    if (typeof request.params.since === 'string') return new Date(request.params.since);
    const backup = this.findBackup(request);
    if (backup?.takenAt) return new Date(backup.takenAt);
    throw new RipcordError(
      'invalid_input',
      `cannot tell which migrations ${request.release.version} applied: it has no database_backup snapshot taken before it (run the backup safeguard) and the step gives no "since"`,
      [{ path: 'release.snapshots', message: 'no database_backup snapshot' }],
    );
  }

  private async restore(request: StepRequest): Promise<StepResult> {
    const backup = this.findBackup(request);
    if (!backup) {
      throw new RipcordError('invalid_input', `release ${request.release.version} has no database backup to restore (the backup safeguard did not run before it)`, [
        { path: 'release.snapshots', message: 'no database_backup snapshot' },
      ]);
    }
    if (!existsSync(backup.file)) throw providerError(`backup file ${backup.file} is missing; nothing was changed`);
    if (backup.checksum) {
      const actual = `sha256:${await sha256File(backup.file)}`;
      if (actual !== backup.checksum) throw providerError(`backup ${backup.file} does not match its recorded checksum (${backup.checksum}); refusing to restore it, nothing was changed`);
    }
    // Seed 002: take an emergency backup first, so even the restore can be undone.
    const emergency = await this.backup(request, 'emergency');
    throwIfAborted(request.signal, this.kind, request.action);
    request.log(`postgres: pg_restore --clean ${backup.file} into ${this.connection.database}`);
    await runChecked(
      'pg_restore',
      ['--clean', '--if-exists', '--no-owner', '--single-transaction', '--exit-on-error', '--no-password', `--dbname=${this.connection.url}`, backup.file],
      { env: this.connection.env, signal: request.signal, timeoutMs: this.config.timeout ?? DEFAULT_DUMP_TIMEOUT_MS },
    );
    const takenAt = backup.takenAt ?? new Date(statSync(backup.file).mtimeMs).toISOString();
    const lostMs = Math.max(0, this.clock.now().getTime() - new Date(takenAt).getTime());
    return {
      summary: `restored ${this.connection.database} from the backup of ${takenAt}: data written in the last ${formatDuration(lostMs)} is lost (emergency backup kept at ${emergency.details?.file})`,
      details: { backup: backup.file, backupTakenAt: takenAt, emergencyBackup: emergency.details?.file, dataLossWindowMs: lostMs },
      snapshots: emergency.snapshots,
      dataLossWindowMs: lostMs,
    };
  }

  private async restoreIfMigrated(request: StepRequest): Promise<StepResult> {
    const applied = await this.appliedSince(this.releaseWindowStart(request));
    if (applied.length === 0) {
      return { summary: `${request.release.version} applied no migrations: database left as it is`, details: { migrations: [] }, dataLossWindowMs: 0 };
    }
    const result = await this.restore(request);
    return { ...result, details: { ...result.details, migrations: applied.map((m) => m.name) } };
  }

  private downFile(name: string): string | undefined {
    const dir = this.config.migrations;
    if (!dir) return undefined;
    return [join(dir, name, 'down.sql'), join(dir, `${name}.down.sql`)].find((file) => existsSync(file));
  }

  private async downMigrations(request: StepRequest): Promise<StepResult> {
    if (!this.config.migrations) {
      throw new RipcordError('invalid_input', 'down migrations need database.migrations: the folder with each migration\'s down.sql', [
        { path: 'database.migrations', message: 'missing' },
      ]);
    }
    const applied = await this.appliedSince(this.releaseWindowStart(request));
    if (applied.length === 0) {
      return { summary: `${request.release.version} applied no migrations: nothing to undo`, details: { migrations: [] } };
    }
    const missing = applied.filter((m) => !this.downFile(m.name)).map((m) => m.name);
    if (missing.length > 0) {
      throw new RipcordError(
        'invalid_input',
        `no down.sql for ${missing.join(', ')} in ${this.config.migrations}; nothing was changed (restore the backup instead, or write the down migrations)`,
        missing.map((name) => ({ path: `database.migrations/${name}/down.sql`, message: 'missing' })),
      );
    }
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        for (const migration of applied) {
          request.log(`postgres: down ${migration.name}`);
          await client.query(readFileSync(this.downFile(migration.name) as string, 'utf8'));
          // What `prisma migrate resolve --rolled-back` records: the migration may be applied again later.
          await client.query(`UPDATE "${this.config.migrations_table}" SET rolled_back_at = now() WHERE migration_name = $1 AND rolled_back_at IS NULL`, [migration.name]);
          throwIfAborted(request.signal, this.kind, request.action);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        if (error instanceof RipcordError) throw error;
        throw providerError(`down migrations failed and were rolled back, the database is unchanged: ${(error as Error).message}`);
      }
      const names = applied.map((m) => m.name);
      return {
        summary: `ran ${names.length} down migration(s) of ${request.release.version} in one transaction: ${names.join(', ')}`,
        details: { migrations: names },
        dataLossWindowMs: 0,
      };
    });
  }
}

function tablesParam(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((t) => typeof t !== 'string' || !/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)?$/.test(t))) {
    throw new RipcordError('invalid_input', 'row_counts must be a list of table names like [users, public.orders]', [{ path: 'params.row_counts', message: 'expected table names' }]);
  }
  return value as string[];
}

function connectionFor(url: string): Connection {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  registerSecret(password);
  registerSecret(url);
  parsed.password = '';
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (password) env.PGPASSWORD = password;
  return { url: parsed.toString(), database: decodeURIComponent(parsed.pathname.slice(1)) || 'postgres', env };
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function createPostgresProvider(config: PostgresConfig, deps: ProviderDeps): PostgresProvider {
  return new PostgresProvider(config, deps);
}

