import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openStore } from '../../store/open-store.js';
import { loadSecretKey } from '../../store/secret-key.js';
import { signingKey } from '../../store/signing-keys.js';
import { main } from '../main.js';

/** Runs the CLI in this process, capturing what it prints. */
async function ripcord(args: string[]) {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('ripcord keys rotate', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ripcord-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('re-seals the signing keys under a new key file it makes; the keys keep their values, the old secret key stops opening them', async () => {
    const dataDir = join(dir, 'data');
    const oldFile = join(dir, 'old.key');
    writeFileSync(oldFile, `${'0d'.repeat(32)}\n`, { mode: 0o600 });
    const old = loadSecretKey({ env: {}, file: oldFile }).key;
    const store = await openStore({ dataDir });
    const ack = await signingKey(store.db, 'incident-ack-links', new Date(), old);
    const stream = await signingKey(store.db, 'flag-stream-access', new Date(), old);
    await store.close();

    const newFile = join(dir, 'new', 'secret.key');
    const result = await ripcord(['keys', 'rotate', '--secret-key-file', oldFile, '--new-key-file', newFile, '--data-dir', dataDir, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const next = loadSecretKey({ env: {}, file: newFile }).key;
    expect(JSON.parse(result.stdout)).toEqual({
      store: join(dataDir, 'ripcord.db'),
      from: old.id,
      to: next.id,
      newKeyFile: newFile,
      created: true,
      resealed: ['flag-stream-access', 'incident-ack-links'],
      alreadyUnderNewKey: [],
    });
    expect(statSync(newFile).mode & 0o777).toBe(0o600);

    const reopened = await openStore({ dataDir });
    try {
      expect(await signingKey(reopened.db, 'incident-ack-links', new Date(), next)).toBe(ack);
      expect(await signingKey(reopened.db, 'flag-stream-access', new Date(), next)).toBe(stream);
      await expect(signingKey(reopened.db, 'incident-ack-links', new Date(), old)).rejects.toThrow(`sealed with secret key ${next.id}, but this server's key (${oldFile}) is ${old.id}`);
    } finally {
      await reopened.close();
    }

    // Said again in words, for people: nothing left to re-seal.
    const again = await ripcord(['keys', 'rotate', '--secret-key-file', oldFile, '--new-key-file', newFile, '--data-dir', dataDir]);
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n')[0]).toBe(`${join(dataDir, 'ripcord.db')}: 0 signing keys re-sealed under secret key ${next.id} (was ${old.id}); 2 already were`);
  });

  it('refuses a current key file that does not exist, and a new key equal to the current one', async () => {
    const missing = await ripcord(['keys', 'rotate', '--secret-key-file', join(dir, 'nope.key'), '--new-key-file', join(dir, 'new.key'), '--data-dir', join(dir, 'data')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`error: there is no secret key file at ${join(dir, 'nope.key')}; name the key the servers use with --secret-key-file, RIPCORD_SECRET_KEY_FILE or RIPCORD_SECRET_KEY\n`);
    const same = join(dir, 'same.key');
    writeFileSync(same, '5a'.repeat(32), { mode: 0o600 });
    const equal = await ripcord(['keys', 'rotate', '--secret-key-file', same, '--new-key-file', same, '--data-dir', join(dir, 'data')]);
    expect(equal.code).toBe(2);
    expect(equal.stderr).toContain(`--new-key-file ${same} holds the current key`);
  });
});
