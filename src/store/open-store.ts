import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { RipcordError } from '../core/errors.js';
import { redact } from '../core/secrets.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';
import { StoreHealth } from './store-health.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Where the data lives, for people: a file path or a URL without its password. */
  location: string;
  /** Recent write failures seen on any query (disk full, database away): `/readyz` reads it. */
  health: StoreHealth;
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
  const health = new StoreHealth();
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }), log: health.observe });
  return { db, dialect: 'sqlite', location: file, health, close: () => db.destroy() };
}

function openPostgres(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client losing its connection must not crash the server; the next query reports it.
  pool.on('error', () => undefined);
  // A client checked out between two statements (inside a transaction) has no query to fail when the
  // server goes away: its 'error' event would end the process. The next query on it fails instead
  // (and is answered 503), and the pool drops the broken client on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const health = new StoreHealth();
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: health.observe });
  return { db, dialect: 'postgres', location: withoutPassword(url), health, close: () => db.destroy() };
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

/**
 * `/readyz`: can the store answer a query AND take a write right now? A read alone says ready on a
 * full disk; the probe row is rewritten in place, and any write that failed in the last few seconds
 * (seen by the store's query log) counts too.
 */
export async function pingStore(store: Store): Promise<void> {
  await sql`select 1`.execute(store.db);
  const at = new Date().toISOString();
  const probe = `${at} ${randomBytes(256).toString('hex')}`;
  try {
    await store.db.insertInto('store_probe').values({ id: 1, written_at: probe }).onConflict((oc) => oc.column('id').doUpdateSet({ written_at: probe })).execute();
  } catch (error) {
    store.health.noteWriteFailure(error);
    throw error;
  }
  const fault = store.health.writeFault();
  if (fault) throw new RipcordError('unavailable', `the store takes no writes: ${fault}`);
}
