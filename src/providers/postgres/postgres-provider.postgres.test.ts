import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import type { Snapshot } from '../../deployments/release.js';
import { createTestDatabase, type TestDatabase } from '../../test-support/databases.js';
import type { StepRequest } from '../provider.js';
import { contractRelease, contractTarget, runProviderContract } from '../provider-contract.js';
import { postgresConfigSchema } from './postgres-config.js';
import { PostgresProvider, sha256File } from './postgres-provider.js';

let db: TestDatabase;
let url: string;
const root = mkdtempSync(join(tmpdir(), 'ripcord-postgres-'));

const query = async <T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<T[]> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
};

/** Prisma's own layout of its migrations table (prisma-engines, migration-connector). */
const PRISMA_MIGRATIONS_TABLE = `CREATE TABLE "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

async function applyMigration(name: string, sql: string, startedAt: Date): Promise<void> {
  await query(sql);
  await query(
    `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, $4, $5, 1)`,
    [`${name}-id`.slice(0, 36), 'f'.repeat(64), new Date(startedAt.getTime() + 50), name, startedAt],
  );
}

beforeAll(async () => {
  db = await createTestDatabase('postgres');
  url = db.options.databaseUrl as string;
  await query(PRISMA_MIGRATIONS_TABLE);
  await query('CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL)');
  await query("INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com')");
});

afterAll(async () => {
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});

const provider = (over: Record<string, unknown> = {}, clock?: ManualClock): PostgresProvider => {
  const dir = mkdtempSync(join(root, 'state-'));
  return new PostgresProvider(postgresConfigSchema.parse({ url, migrations: join(root, 'migrations'), ...over }), { stateDir: dir, clock });
};

const request = (over: Partial<StepRequest>): StepRequest => ({
  action: 'backup',
  params: {},
  release: contractRelease(),
  idempotencyKey: `k-${Math.random()}`,
  signal: new AbortController().signal,
  log: () => {},
  ...over,
});

const asSnapshot = (input: NonNullable<Awaited<ReturnType<PostgresProvider['perform']>>['snapshots']>[number]): Snapshot => ({
  id: 'snap_1',
  releaseId: 'rel_contract_2',
  takenAt: input.takenAt ?? new Date().toISOString(),
  kind: input.kind,
  reference: input.reference,
  checksum: input.checksum,
  details: input.details,
});

describe('postgres provider', () => {
  runProviderContract('postgres', () => {
    const backups = join(root, 'contract-backups');
    mkdirSync(backups, { recursive: true });
    const withPassword = new URL(url);
    withPassword.password = 'pw-contract-secret-42';
    const p = new PostgresProvider(postgresConfigSchema.parse({ url: withPassword.toString(), backups }), { stateDir: join(root, 'contract-state') });
    const broken = join(root, 'not-a-dump.dump');
    writeFileSync(broken, 'this is not a pg_dump archive');
    return {
      provider: p,
      request: () => ({ action: 'backup', params: {}, release: contractRelease() }),
      describeRequests: () => [
        { action: 'down_migrations', params: {}, release: contractRelease() },
        { action: 'restore', params: {}, release: contractRelease(), target: contractTarget() },
        { action: 'restore_if_migrated', params: {}, release: contractRelease() },
      ],
      effects: async () => readdirSync(backups, { withFileTypes: true }).filter((f) => f.name.endsWith('.dump')).length,
      failure: () => ({
        secret: 'pw-contract-secret-42',
        request: { action: 'restore', params: { backup: broken, confirm_data_loss: true }, release: contractRelease() },
      }),
    };
  });

  it('backs up with pg_dump (custom format): file, size, sha256 checksum and RPO start in a database_backup snapshot', async () => {
    const clock = new ManualClock(new Date());
    const result = await provider({}, clock).perform(request({ action: 'backup', params: { row_counts: ['users', 'public._prisma_migrations'] } }));
    const snapshot = result.snapshots?.[0];
    expect(snapshot?.kind).toBe('database_backup');
    expect(snapshot?.checksum).toBe(`sha256:${await sha256File(snapshot?.reference as string)}`);
    expect(snapshot?.takenAt).toBe(clock.now().toISOString());
    expect(snapshot?.details).toMatchObject({ format: 'custom', purpose: 'before-release' });
    expect(snapshot?.details?.sizeBytes).toBeGreaterThan(100);
    expect(result.details?.rpoFrom).toBe(clock.now().toISOString());
    expect(snapshot?.details?.rowCounts).toEqual({ users: 2, 'public._prisma_migrations': 0 });
  });

  it('reads _prisma_migrations to find what the release applied and runs their down.sql newest first, in one transaction', async () => {
    const p = provider();
    const before = await p.perform(request({ action: 'backup' }));
    const backupAt = new Date((before.snapshots?.[0]?.takenAt as string));
    await applyMigration('20260101_init_orders', 'CREATE TABLE orders (id serial PRIMARY KEY)', new Date(backupAt.getTime() - 60_000));
    await applyMigration('20260102_add_coupons', 'CREATE TABLE coupons (code text PRIMARY KEY)', new Date(backupAt.getTime() + 1000));
    await applyMigration('20260103_coupon_value', 'ALTER TABLE coupons ADD COLUMN value int', new Date(backupAt.getTime() + 2000));
    const migrations = join(root, 'migrations');
    for (const [name, down] of [
      ['20260102_add_coupons', 'DROP TABLE coupons;'],
      ['20260103_coupon_value', 'ALTER TABLE coupons DROP COLUMN value;'],
    ] as const) {
      mkdirSync(join(migrations, name), { recursive: true });
      writeFileSync(join(migrations, name, 'down.sql'), down);
    }
    const release = contractRelease({ snapshots: [asSnapshot(before.snapshots?.[0] as never)] });
    expect(p.describe(request({ action: 'down_migrations', release }))).toMatch(/down.sql/);
    const result = await p.perform(request({ action: 'down_migrations', release }));
    expect(result.details?.migrations).toEqual(['20260103_coupon_value', '20260102_add_coupons']);
    expect(await query("SELECT to_regclass('coupons') AS t")).toEqual([{ t: null }]);
    expect(await query("SELECT to_regclass('orders')::text AS t")).toEqual([{ t: 'orders' }]);
    const rows = await query<{ migration_name: string; rolled_back: boolean }>(
      'SELECT migration_name, rolled_back_at IS NOT NULL AS rolled_back FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows).toEqual([
      { migration_name: '20260101_init_orders', rolled_back: false },
      { migration_name: '20260102_add_coupons', rolled_back: true },
      { migration_name: '20260103_coupon_value', rolled_back: true },
    ]);
    await query('DROP TABLE orders');
  });

  it('a failing down migration rolls the whole transaction back and says the database is unchanged', async () => {
    const since = new Date();
    await applyMigration('20260201_a', 'CREATE TABLE a_table (id int)', new Date(since.getTime() + 1000));
    await applyMigration('20260202_b', 'CREATE TABLE b_table (id int)', new Date(since.getTime() + 2000));
    const migrations = join(root, 'migrations');
    mkdirSync(join(migrations, '20260201_a'), { recursive: true });
    writeFileSync(join(migrations, '20260201_a', 'down.sql'), 'DROP TABLE no_such_table;');
    writeFileSync(join(migrations, '20260202_b.down.sql'), 'DROP TABLE b_table;');
    await expect(provider().perform(request({ action: 'down_migrations', params: { since: since.toISOString() } }))).rejects.toThrow(
      /rolled back, the database is unchanged.*no_such_table/,
    );
    expect(await query("SELECT to_regclass('b_table')::text AS t")).toEqual([{ t: 'b_table' }]);
    await query('DROP TABLE a_table; DROP TABLE b_table');
    await query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name LIKE '202602%'`);
  });

  it('refuses a restore unless data loss is allowed, and changes nothing', async () => {
    const p = provider();
    const backup = await p.perform(request({ action: 'backup' }));
    const release = contractRelease({ snapshots: [asSnapshot(backup.snapshots?.[0] as never)] });
    expect(p.describe(request({ action: 'restore', release }))).toMatch(/DATA LOSS.*refused unless data loss is allowed/);
    await expect(p.perform(request({ action: 'restore', release }))).rejects.toThrow(/allow_data_loss: true/);
    expect(await query('SELECT count(*)::int AS n FROM users')).toEqual([{ n: 2 }]);
  });

  it('restores the backup after an emergency backup, and says how much data is lost', async () => {
    const clock = new ManualClock(new Date());
    const p = provider({ allow_data_loss: true }, clock);
    const backup = await p.perform(request({ action: 'backup' }));
    await query("INSERT INTO users (email) VALUES ('written-after-backup@example.com')");
    clock.advance(12 * 60_000);
    const release = contractRelease({ snapshots: [asSnapshot(backup.snapshots?.[0] as never)] });
    const result = await p.perform(request({ action: 'restore', release }));
    expect(await query("SELECT count(*)::int AS n FROM users WHERE email LIKE 'written-after%'")).toEqual([{ n: 0 }]);
    expect(await query('SELECT count(*)::int AS n FROM users')).toEqual([{ n: 2 }]);
    expect(result.dataLossWindowMs).toBe(12 * 60_000);
    expect(result.summary).toMatch(/data written in the last 12m is lost/);
    const emergency = result.snapshots?.[0];
    expect(emergency?.details).toMatchObject({ purpose: 'emergency' });
    expect(emergency?.checksum).toBe(`sha256:${await sha256File(emergency?.reference as string)}`);
  });

  it('refuses a backup whose checksum does not match what was recorded', async () => {
    const p = provider({ allow_data_loss: true });
    const backup = await p.perform(request({ action: 'backup' }));
    const snapshot = { ...asSnapshot(backup.snapshots?.[0] as never), checksum: `sha256:${'0'.repeat(64)}` };
    await expect(p.perform(request({ action: 'restore', release: contractRelease({ snapshots: [snapshot] }) }))).rejects.toThrow(
      /does not match its recorded checksum/,
    );
  });

  it('restore_if_migrated leaves the database alone when the release applied no migrations', async () => {
    const p = provider({ allow_data_loss: true });
    const backup = await p.perform(request({ action: 'backup' }));
    await query("INSERT INTO users (email) VALUES ('kept@example.com')");
    const release = contractRelease({ snapshots: [asSnapshot(backup.snapshots?.[0] as never)] });
    const result = await p.perform(request({ action: 'restore_if_migrated', release }));
    expect(result.summary).toMatch(/applied no migrations/);
    expect(await query("SELECT count(*)::int AS n FROM users WHERE email = 'kept@example.com'")).toEqual([{ n: 1 }]);
  });
});
