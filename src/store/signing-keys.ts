import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { registerSecret } from '../core/secrets.js';
import type { Database } from './schema.js';

/**
 * The named signing key, made on first use. Concurrent first starts (two servers, one PostgreSQL)
 * both try to insert; the loser's insert is ignored and both read the winner's key.
 */
export async function signingKey(db: Kysely<Database>, name: string, now: Date): Promise<string> {
  await db
    .insertInto('signing_keys')
    .values({ name, secret: randomBytes(32).toString('hex'), created_at: now.toISOString() })
    .onConflict((c) => c.column('name').doNothing())
    .execute();
  const { secret } = await db.selectFrom('signing_keys').select('secret').where('name', '=', name).executeTakeFirstOrThrow();
  registerSecret(secret);
  return secret;
}
