import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { buildProviderSet } from './provider-set.js';

/** `verify: [{ sql, expect: '>= snapshot' }]` on the environment's real PostgreSQL database. */
describe('SQL integrity verification', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const client = new pg.Client({ connectionString: database.options.databaseUrl });
    await client.connect();
    await client.query('CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL)');
    await client.query("INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com'), ('c@example.com')");
    await client.end();
  });
  afterAll(async () => {
    await database?.drop();
  });

  const verify = (expectation: string, rowCountBefore: number) => {
    const parsed = parseConfig(
      `service: shop\nenvironments:\n  production:\n    provider: { kind: memory }\n    database: { kind: postgres, url: "${database.options.databaseUrl}" }\n`,
      'ripcord.yaml',
      {},
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const env = parsed.config.environments.production;
    if (!env) throw new Error('no environment');
    const set = buildProviderSet(env, { stateDir: mkdtempSync(join(tmpdir(), 'ripcord-sqlverify-')) });
    const snapshot = { id: 'snp_1', releaseId: 'rel_2', kind: 'database_backup' as const, reference: 'backup.dump', takenAt: new Date().toISOString(), details: { rowCounts: { users: rowCountBefore } } };
    return set.verify?.perform({
      action: 'sql',
      params: { sql: 'SELECT count(*) FROM users', expect: expectation },
      release: { id: 'rel_1', service: 'shop', environment: 'production', version: '1.0.0', snapshots: [] },
      target: { id: 'rel_2', service: 'shop', environment: 'production', version: '2.0.0', snapshots: [snapshot] },
      idempotencyKey: `sql-${expectation}-${rowCountBefore}`,
      signal: new AbortController().signal,
      log: () => undefined,
    });
  };

  it('passes when no rows were lost since the pre-release snapshot', async () => {
    expect((await verify('>= snapshot', 3))?.summary).toBe('`SELECT count(*) FROM users` = 3 (>= 3, pre-release snapshot)');
  });

  it('fails, with both numbers, when rows are missing', async () => {
    await expect(verify('>= snapshot', 5)).rejects.toThrow('`SELECT count(*) FROM users` returned 3; expected >= 5 (pre-release snapshot)');
    await expect(verify('> 3', 0)).rejects.toThrow('returned 3; expected > 3');
  });
});
