import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from './open-store.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the SQLite store on disk', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ripcord-modes-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates its directory 0700 and the database, WAL and shared-memory files 0600', async () => {
    const dir = join(root, 'nested', 'data');
    const store = await openStore({ dataDir: dir });
    try {
      // Migrations have written, so the WAL and its index exist now.
      expect(modeOf(dir)).toBe(0o700);
      expect(modeOf(join(dir, 'ripcord.db'))).toBe(0o600);
      expect(modeOf(join(dir, 'ripcord.db-wal'))).toBe(0o600);
      expect(modeOf(join(dir, 'ripcord.db-shm'))).toBe(0o600);
      expect(store.warnings).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('tightens store files an older version left readable, and warns about a directory others can list', async () => {
    const dir = join(root, 'old');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const first = await openStore({ dataDir: dir });
    await first.close();
    for (const name of ['ripcord.db', 'ripcord.db-wal', 'ripcord.db-shm']) {
      writeFileSync(join(dir, name), '', { flag: 'a' });
      chmodSync(join(dir, name), 0o644);
    }
    const store = await openStore({ dataDir: dir });
    try {
      expect(modeOf(join(dir, 'ripcord.db'))).toBe(0o600);
      expect(modeOf(join(dir, 'ripcord.db-wal'))).toBe(0o600);
      expect(modeOf(join(dir, 'ripcord.db-shm'))).toBe(0o600);
      // The directory is the operator's choice: left alone, but named with the command that fixes it.
      expect(modeOf(dir)).toBe(0o755);
      expect(store.warnings).toHaveLength(1);
      expect(store.warnings[0]).toContain(dir);
      expect(store.warnings[0]).toContain('0755');
      expect(store.warnings[0]).toContain('chmod 700');
    } finally {
      await store.close();
    }
  });
});
