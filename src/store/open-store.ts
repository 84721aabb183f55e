import { mkdirSync } from 'node:fs';
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
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'ripcord.db');
  const database = new SQLite(file);
  // WAL lets the CLI read while the server writes; busy_timeout waits for a writer instead of failing.
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
}

function openPostgres(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client losing its connection must not crash the server; the next query reports it.
  pool.on('error', () => undefined);
  // So must a client that is checked out between two queries when the server goes away (it has no idle
  // listener then): the query that uses it next fails, and the pool discards it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', location: withoutPassword(url), close: () => db.destroy() };
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
