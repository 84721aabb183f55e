import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { RipcordError } from '../core/errors.js';
import { redact } from '../core/secrets.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Where the data lives, for people: a file path or a URL without its password. */
  location: string;
  /** Things the operator should fix but that do not stop the store (a data directory others can read). */
  warnings: string[];
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…`; when absent, SQLite under `dataDir`. */
  databaseUrl?: string | undefined;
  /** Default `./.ripcord`. */
  dataDir?: string | undefined;
}

export const DEFAULT_DATA_DIR = '.ripcord';

/** Opens the store and applies every pending migration; a failed migration leaves nothing half-applied. */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const store = options.databaseUrl ? openPostgres(options.databaseUrl) : openSqlite(options.dataDir ?? DEFAULT_DATA_DIR);
  try {
    await migrate(store.db);
  } catch (error) {
    await store.close();
    throw new RipcordError('unavailable', `cannot prepare the store at ${store.location}: ${redact((error as Error).message)}`);
  }
  return store;
}

function openSqlite(dataDir: string): Store {
  const dir = resolve(dataDir);
  const warnings = prepareDataDir(dir);
  const file = join(dir, 'ripcord.db');
  privateFile(file, true);
  const database = new SQLite(file);
  // WAL lets the CLI read while the server writes; busy_timeout waits for a writer instead of failing.
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  // Zero what a delete or update frees in pages written anyway (no extra I/O): a signing key sealed over
  // its old clear value does not linger in the file.
  database.pragma('secure_delete = FAST');
  // SQLite gives the -wal and -shm files the main file's mode when it creates them; ones left by an
  // older ripcord (0644) are tightened here.
  for (const suffix of ['-wal', '-shm']) privateFile(`${file}${suffix}`, false);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return { db, dialect: 'sqlite', location: file, warnings, close: () => db.destroy() };
}

const PRIVATE_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;

/**
 * The data directory is created 0700. One that exists already is left as it is (it may be a folder the
 * operator chose, shared with other things), but a warning says who else can read it; the files in it
 * are ripcord's own and are tightened to 0600 whatever the directory.
 */
function prepareDataDir(dir: string): string[] {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    // mkdir's mode passes through the umask; chmod makes it exactly 0700 whatever the umask.
    chmodSync(dir, PRIVATE_DIR_MODE);
    return [];
  }
  const mode = statSync(dir).mode & 0o777;
  if (process.platform === 'win32' || (mode & 0o077) === 0) return [];
  return [
    `the data directory ${dir} is mode ${mode.toString(8).padStart(4, '0')}: other users of this machine can list it; run chmod 700 ${JSON.stringify(dir)} (the store files in it are 0600 either way)`,
  ];
}

/** Creates the file 0600 when `create` and it is missing; tightens it when it exists with looser bits. */
function privateFile(file: string, create: boolean): void {
  if (process.platform === 'win32') return;
  if (!existsSync(file)) {
    if (create) closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
    return;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, PRIVATE_FILE_MODE);
}

function openPostgres(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client losing its connection must not crash the server; the next query reports it.
  pool.on('error', () => undefined);
  // So must a client that is checked out between two queries when the server goes away (it has no idle
  // listener then): the query that uses it next fails, and the pool discards it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', location: withoutPassword(url), warnings: [], close: () => db.destroy() };
}

export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres (unparseable URL)';
  }
}

async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${(error as Error).message}`);
  }
}

/** `/readyz`: can the store answer a query right now? */
export async function pingStore(store: Store): Promise<void> {
  await sql`select 1`.execute(store.db);
}
