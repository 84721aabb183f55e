import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../test-support/postgres-cluster.js';
import { describeStoreFault, isStoreUnavailable } from './store-unavailable.js';

const dir = mkdtempSync(join(tmpdir(), 'ripcord-unavailable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The errors real drivers throw, classified: "the store is away" (503, retry) or not (a bug or bad input). */
describe('store unavailable classification', () => {
  it('calls a refused PostgreSQL connection unavailable, and says what the driver said', async () => {
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/x`, connectionTimeoutMillis: 2000 });
    const error = await client.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isStoreUnavailable(error)).toBe(true);
    expect(describeStoreFault(error)).toMatch(/ECONNREFUSED/);
  });

  it('calls a write to a read-only SQLite database unavailable, but not a constraint violation or a syntax error', () => {
    const file = join(dir, 'db.sqlite');
    const writable = new SQLite(file);
    writable.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    writable.exec('INSERT INTO t VALUES (1)');
    const catching = (run: () => void) => {
      try {
        run();
      } catch (error) {
        return error;
      }
      throw new Error('expected an error');
    };
    expect(isStoreUnavailable(catching(() => writable.exec('INSERT INTO t VALUES (1)')))).toBe(false);
    expect(isStoreUnavailable(catching(() => writable.exec('SELEC 1')))).toBe(false);
    writable.close();
    const readonly = new SQLite(file, { readonly: true });
    const error = catching(() => readonly.exec('INSERT INTO t VALUES (2)'));
    expect((error as { code: string }).code).toMatch(/^SQLITE_READONLY/);
    expect(isStoreUnavailable(error)).toBe(true);
    readonly.close();
  });

  it('looks through a cause and an AggregateError, and ignores what is not an error', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(isStoreUnavailable(new AggregateError([refused], 'all attempts failed'))).toBe(true);
    expect(isStoreUnavailable(new Error('wrapped', { cause: refused }))).toBe(true);
    expect(isStoreUnavailable(new Error('null value in column "version" violates not-null constraint'))).toBe(false);
    expect(isStoreUnavailable(undefined)).toBe(false);
    expect(isStoreUnavailable('ECONNREFUSED')).toBe(false);
  });
});
