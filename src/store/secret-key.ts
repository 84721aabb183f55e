import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { RipcordError } from '../core/errors.js';
import { registerSecret } from '../core/secrets.js';

/**
 * The server's secret key: 32 bytes that seal the signing keys kept in the store (AES-256-GCM), so a
 * copy of the database file alone cannot forge acknowledgement links or flag-stream access.
 */
export interface SecretKey {
  bytes: Buffer;
  /** A fingerprint safe to print and store: tells two keys apart without revealing either. */
  id: string;
  /** Where it came from, for people: `RIPCORD_SECRET_KEY` or the key file's path. */
  source: string;
}

export const SECRET_KEY_BYTES = 32;

/** `$RIPCORD_SECRET_KEY_FILE`, else `$XDG_CONFIG_HOME/ripcord/secret.key`, else `~/.config/ripcord/secret.key`. */
export function defaultSecretKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RIPCORD_SECRET_KEY_FILE) return resolve(env.RIPCORD_SECRET_KEY_FILE);
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(configHome, 'ripcord', 'secret.key');
}

/**
 * 64 hexadecimal digits, or base64/base64url of 32 bytes (`openssl rand -hex 32`, `openssl rand -base64 32`).
 * Returns a reason instead of throwing, so callers can report it with their own names; the reason never
 * contains the value.
 */
export function parseSecretKey(text: string): Buffer | { problem: string } {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === SECRET_KEY_BYTES) return bytes;
  }
  return { problem: `is not a 32-byte key (got ${value.length} characters); write 64 hex digits or 32 bytes in base64, e.g. from openssl rand -hex 32` };
}

export function secretKeyFrom(bytes: Buffer, source: string): SecretKey {
  registerSecret(bytes.toString('hex'));
  return { bytes, id: secretKeyId(bytes), source };
}

/** HMAC of a fixed label: the same key always has the same id, and the id does not help guess the key. */
export function secretKeyId(bytes: Buffer): string {
  return createHmac('sha256', bytes).update('ripcord secret key id').digest('hex').slice(0, 16);
}

export interface LoadedSecretKey {
  key: SecretKey;
  /** Set when the key file was made now: the operator should know, and copy it to the other servers. */
  generated?: string | undefined;
  warnings: string[];
}

/**
 * `RIPCORD_SECRET_KEY` when set; otherwise the key file, made (0600, in a 0700 folder) on first start.
 * Two servers starting at once on one machine agree on one file: it is written aside and linked into
 * place, and the loser of the race reads the winner's key.
 */
export function loadSecretKey(options: { env?: NodeJS.ProcessEnv | undefined; file?: string | undefined; create?: boolean | undefined } = {}): LoadedSecretKey {
  const env = options.env ?? process.env;
  if (env.RIPCORD_SECRET_KEY) {
    registerSecret(env.RIPCORD_SECRET_KEY);
    const parsed = parseSecretKey(env.RIPCORD_SECRET_KEY);
    if (!Buffer.isBuffer(parsed)) throw new RipcordError('usage', `RIPCORD_SECRET_KEY ${parsed.problem}`);
    return { key: secretKeyFrom(parsed, 'RIPCORD_SECRET_KEY'), warnings: [] };
  }
  const file = options.file ? resolve(options.file) : defaultSecretKeyFile(env);
  let generated: string | undefined;
  if (!existsSync(file)) {
    if (options.create === false) throw new RipcordError('usage', `there is no secret key file at ${file}; name the key the servers use with --secret-key-file, RIPCORD_SECRET_KEY_FILE or RIPCORD_SECRET_KEY`);
    generated = createKeyFile(file) ? file : undefined;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RipcordError('unavailable', `cannot read the secret key file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); set RIPCORD_SECRET_KEY_FILE to a readable file or RIPCORD_SECRET_KEY to the key`);
  }
  registerSecret(text.trim());
  const parsed = parseSecretKey(text);
  if (!Buffer.isBuffer(parsed)) throw new RipcordError('usage', `the secret key file ${file} ${parsed.problem}`);
  const warnings: string[] = [];
  const mode = statSync(file).mode & 0o777;
  // Kubernetes mounts secrets 0644 by default: warn rather than refuse, and say how to fix it.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    warnings.push(`the secret key file ${file} is mode ${mode.toString(8).padStart(4, '0')}: other users of this machine can read it; run chmod 600 ${JSON.stringify(file)} (or mount it with defaultMode 0400)`);
  }
  return { key: secretKeyFrom(parsed, file), generated, warnings };
}

/** Writes a new key file; false when another process made it first. */
function createKeyFile(file: string): boolean {
  const dir = dirname(file);
  try {
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
    }
    const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(aside, `${randomBytes(SECRET_KEY_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(aside, file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      unlinkSync(aside);
    }
  } catch (error) {
    throw new RipcordError(
      'unavailable',
      `cannot create the secret key file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); set RIPCORD_SECRET_KEY_FILE to a writable place outside the data directory, or RIPCORD_SECRET_KEY to a key from openssl rand -hex 32`,
    );
  }
}
