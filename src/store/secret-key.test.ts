import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redact } from '../core/secrets.js';
import { defaultSecretKeyFile, loadSecretKey, parseSecretKey } from './secret-key.js';

const HEX = 'a1'.repeat(32);
const modeOf = (path: string) => statSync(path).mode & 0o777;

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected it to throw');
}

describe('the secret key', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ripcord-secret-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('takes RIPCORD_SECRET_KEY as 64 hex digits or base64 of 32 bytes, and the same key has the same id', () => {
    const fromHex = loadSecretKey({ env: { RIPCORD_SECRET_KEY: HEX, HOME: root } });
    expect(fromHex.key.bytes).toEqual(Buffer.alloc(32, 0xa1));
    expect(fromHex.key.source).toBe('RIPCORD_SECRET_KEY');
    const fromBase64 = loadSecretKey({ env: { RIPCORD_SECRET_KEY: Buffer.alloc(32, 0xa1).toString('base64'), HOME: root } });
    expect(fromBase64.key.id).toBe(fromHex.key.id);
    expect(fromHex.key.id).toMatch(/^[0-9a-f]{16}$/);
    expect(HEX).not.toContain(fromHex.key.id);
    // Nothing was written: the environment is the key.
    expect(() => statSync(join(root, '.config'))).toThrow();
    expect(redact(`key ${HEX}`)).toBe('key [redacted]');
  });

  it('refuses a RIPCORD_SECRET_KEY of the wrong shape without echoing it', () => {
    const error = thrown(() => loadSecretKey({ env: { RIPCORD_SECRET_KEY: 'hunter2-is-my-password', HOME: root } }));
    expect(error.message).toBe('RIPCORD_SECRET_KEY is not a 32-byte key (got 22 characters); write 64 hex digits or 32 bytes in base64, e.g. from openssl rand -hex 32');
    expect(parseSecretKey('zz'.repeat(32))).toEqual({ problem: expect.stringContaining('got 64 characters') });
  });

  it('makes the key file on first start, 0600 in a 0700 folder under $XDG_CONFIG_HOME, and reads the same key after', () => {
    const env = { XDG_CONFIG_HOME: join(root, 'xdg'), HOME: join(root, 'home') };
    const first = loadSecretKey({ env });
    const file = join(root, 'xdg', 'ripcord', 'secret.key');
    expect(first.generated).toBe(file);
    expect(first.key.source).toBe(file);
    expect(readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(join(root, 'xdg', 'ripcord'))).toBe(0o700);
    expect(first.warnings).toEqual([]);
    const second = loadSecretKey({ env });
    expect(second.generated).toBeUndefined();
    expect(second.key.bytes).toEqual(first.key.bytes);
  });

  it('falls back to ~/.config/ripcord/secret.key, and RIPCORD_SECRET_KEY_FILE or a flag points elsewhere', () => {
    expect(defaultSecretKeyFile({ HOME: '/home/ops' })).toBe('/home/ops/.config/ripcord/secret.key');
    expect(defaultSecretKeyFile({ HOME: '/home/ops', XDG_CONFIG_HOME: '/etc/xdg' })).toBe('/etc/xdg/ripcord/secret.key');
    expect(defaultSecretKeyFile({ HOME: '/home/ops', RIPCORD_SECRET_KEY_FILE: '/run/secrets/ripcord' })).toBe('/run/secrets/ripcord');
    const shared = join(root, 'shared.key');
    writeFileSync(shared, `${HEX}\n`, { mode: 0o600 });
    expect(loadSecretKey({ env: { HOME: root, RIPCORD_SECRET_KEY_FILE: shared } }).key.bytes).toEqual(Buffer.alloc(32, 0xa1));
    expect(loadSecretKey({ env: { HOME: root }, file: shared }).key.source).toBe(shared);
  });

  it('warns about a key file others can read, and refuses one that holds no key, naming the file', () => {
    const loose = join(root, 'loose.key');
    writeFileSync(loose, HEX);
    chmodSync(loose, 0o644);
    expect(loadSecretKey({ env: { HOME: root }, file: loose }).warnings).toEqual([`the secret key file ${loose} is mode 0644: other users of this machine can read it; run chmod 600 "${loose}" (or mount it with defaultMode 0400)`]);
    const empty = join(root, 'empty.key');
    writeFileSync(empty, '\n', { mode: 0o600 });
    expect(thrown(() => loadSecretKey({ env: { HOME: root }, file: empty })).message).toBe(`the secret key file ${empty} is not a 32-byte key (got 0 characters); write 64 hex digits or 32 bytes in base64, e.g. from openssl rand -hex 32`);
  });

  it('says what to set when the key file cannot be created', () => {
    // A regular file where the folder should be: fails for every user, root included.
    writeFileSync(join(root, 'not-a-folder'), '');
    const error = thrown(() => loadSecretKey({ env: { HOME: root }, file: join(root, 'not-a-folder', 'secret.key') }));
    expect(error.message).toBe(`cannot create the secret key file ${join(root, 'not-a-folder', 'secret.key')} (ENOTDIR); set RIPCORD_SECRET_KEY_FILE to a writable place outside the data directory, or RIPCORD_SECRET_KEY to a key from openssl rand -hex 32`);
  });
});
