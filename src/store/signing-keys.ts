import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { RipcordError } from '../core/errors.js';
import { registerSecret } from '../core/secrets.js';
import type { Database } from './schema.js';
import type { SecretKey } from './secret-key.js';

/** `rcs1:<secret key id>:<base64url of iv ‖ ciphertext ‖ tag>`: the id says which key sealed it. */
const SEALED_PREFIX = 'rcs1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const KEYS_DOC = 'docs/configuration.md#keys-and-secrets';

/**
 * The named signing key, made on first use and kept sealed under the server's secret key.
 * Concurrent first starts (two servers, one PostgreSQL) both try to insert; the loser's insert is
 * ignored and both read the winner's key — which the loser can open only with the same secret key.
 * A key stored in clear by an older ripcord is sealed on first read.
 */
export async function signingKey(db: Kysely<Database>, name: string, now: Date, secretKey: SecretKey, where = 'this store'): Promise<string> {
  const fresh = randomBytes(32).toString('hex');
  await db
    .insertInto('signing_keys')
    .values({ name, secret: seal(fresh, name, secretKey), created_at: now.toISOString() })
    .onConflict((c) => c.column('name').doNothing())
    .execute();
  for (;;) {
    const { secret: stored } = await db.selectFrom('signing_keys').select('secret').where('name', '=', name).executeTakeFirstOrThrow();
    if (stored.startsWith(SEALED_PREFIX)) {
      const secret = unseal(stored, name, secretKey, where);
      registerSecret(secret);
      return secret;
    }
    // Sealed only if still the clear value we read; if another server sealed it first, read theirs.
    registerSecret(stored);
    await db.updateTable('signing_keys').set({ secret: seal(stored, name, secretKey) }).where('name', '=', name).where('secret', '=', stored).execute();
  }
}

/**
 * Re-seals every signing key under `to` in one transaction (the signing keys themselves do not change, so
 * links and stream tokens already handed out keep working). Keys already under `to` are left as they are,
 * so running it twice is harmless.
 */
export async function resealSigningKeys(db: Kysely<Database>, from: SecretKey, to: SecretKey): Promise<{ resealed: string[]; alreadyUnderNewKey: string[] }> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('signing_keys').select(['name', 'secret']).orderBy('name').execute();
    const resealed: string[] = [];
    const alreadyUnderNewKey: string[] = [];
    for (const row of rows) {
      if (sealedWith(row.secret) === to.id) {
        unseal(row.secret, row.name, to, 'the store');
        alreadyUnderNewKey.push(row.name);
        continue;
      }
      const secret = row.secret.startsWith(SEALED_PREFIX) ? unseal(row.secret, row.name, from, 'the store') : row.secret;
      registerSecret(secret);
      await trx.updateTable('signing_keys').set({ secret: seal(secret, row.name, to) }).where('name', '=', row.name).execute();
      resealed.push(row.name);
    }
    return { resealed, alreadyUnderNewKey };
  });
}

/** The id of the secret key a stored value was sealed with; undefined for a value stored in clear. */
export function sealedWith(stored: string): string | undefined {
  if (!stored.startsWith(SEALED_PREFIX)) return undefined;
  return stored.slice(SEALED_PREFIX.length).split(':')[0];
}

// The key's name is the additional authenticated data: a sealed value copied onto another row fails to open.
function seal(secret: string, name: string, key: SecretKey): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const body = Buffer.concat([iv, cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${SEALED_PREFIX}${key.id}:${body.toString('base64url')}`;
}

function unseal(stored: string, name: string, key: SecretKey, where: string): string {
  const [id, encoded] = stored.slice(SEALED_PREFIX.length).split(':');
  if (id !== key.id) {
    throw new RipcordError(
      'config_invalid',
      `the signing keys in ${where} are sealed with secret key ${id}, but this server's key (${key.source}) is ${key.id}: give every server that shares the store the same key — copy the other servers' key file here or set RIPCORD_SECRET_KEY to it (see ${KEYS_DOC})`,
    );
  }
  const body = Buffer.from(encoded ?? '', 'base64url');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, body.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(name, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new RipcordError('config_invalid', `the signing key "${name}" in ${where} does not open with secret key ${key.id} (${key.source}): the stored value was altered or copied from another row; restore the store from a backup, or delete that row to make a new key (outstanding links signed with it stop working; see ${KEYS_DOC})`);
  }
}
