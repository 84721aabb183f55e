import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRipcordError } from '../core/errors.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import { openStore, type Store } from './open-store.js';
import { type SecretKey, secretKeyFrom } from './secret-key.js';
import { resealSigningKeys, sealedWith, signingKey } from './signing-keys.js';

const key = (label: string): SecretKey => secretKeyFrom(randomBytes(32), label);
const storedValue = async (store: Store, name: string) => (await store.db.selectFrom('signing_keys').select('secret').where('name', '=', name).executeTakeFirstOrThrow()).secret;

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected it to fail');
}

/** Both dialects: signing keys are sealed the same way on SQLite and PostgreSQL. */
describe.each(DIALECTS)('signing keys on %s', (dialect) => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    store = await openStore(database.options);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('makes a key once, gives every caller the same one, and stores it sealed, not in clear', async () => {
    const secretKey = key('test');
    const keys = await Promise.all([signingKey(store.db, 'ack-links', new Date(), secretKey), signingKey(store.db, 'ack-links', new Date(), secretKey)]);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(await signingKey(store.db, 'other', new Date(), secretKey)).not.toBe(keys[0]);
    // What someone holding only the database reads: neither the key nor its hex or base64 spelling.
    const stored = await storedValue(store, 'ack-links');
    expect(stored).not.toContain(keys[0] as string);
    expect(stored).not.toContain(Buffer.from(keys[0] as string, 'hex').toString('base64url'));
    expect(stored).not.toContain(Buffer.from(keys[0] as string).toString('base64url'));
    expect(sealedWith(stored)).toBe(secretKey.id);
  });

  it('refuses to start with another secret key, in one line that names both keys and what to do', async () => {
    const right = key('the key file');
    const made = await signingKey(store.db, 'stream', new Date(), right);
    const wrong = key('RIPCORD_SECRET_KEY');
    const error = await failure(signingKey(store.db, 'stream', new Date(), wrong, '/srv/ripcord/ripcord.db'));
    expect(isRipcordError(error) && error.code).toBe('config_invalid');
    expect(error.message).not.toContain('\n');
    expect(error.message).toBe(
      `the signing keys in /srv/ripcord/ripcord.db are sealed with secret key ${right.id}, but this server's key (RIPCORD_SECRET_KEY) is ${wrong.id}: give every server that shares the store the same key — copy the other servers' key file here or set RIPCORD_SECRET_KEY to it (see docs/configuration.md#keys-and-secrets)`,
    );
    expect(error.message).not.toContain(made);
    // The stored key was not replaced by the failed start.
    expect(await signingKey(store.db, 'stream', new Date(), right)).toBe(made);
  });

  it('notices a sealed value that was tampered with or moved to another row', async () => {
    const secretKey = key('test');
    await signingKey(store.db, 'a', new Date(), secretKey);
    await signingKey(store.db, 'b', new Date(), secretKey);
    await store.db.updateTable('signing_keys').set({ secret: await storedValue(store, 'a') }).where('name', '=', 'b').execute();
    expect((await failure(signingKey(store.db, 'b', new Date(), secretKey))).message).toContain('the signing key "b" in this store does not open with secret key');
  });

  it('seals a key an older ripcord stored in clear, keeping its value', async () => {
    const legacy = randomBytes(32).toString('hex');
    await store.db.insertInto('signing_keys').values({ name: 'legacy', secret: legacy, created_at: new Date().toISOString() }).execute();
    const secretKey = key('test');
    expect(await signingKey(store.db, 'legacy', new Date(), secretKey)).toBe(legacy);
    const stored = await storedValue(store, 'legacy');
    expect(stored).not.toContain(legacy);
    expect(sealedWith(stored)).toBe(secretKey.id);
    expect(await signingKey(store.db, 'legacy', new Date(), secretKey)).toBe(legacy);
  });

  it('re-seals every key under a new secret key without changing the keys; the old key stops working', async () => {
    const old = key('old');
    const next = key('new');
    const first = await signingKey(store.db, 'rotate-1', new Date(), old);
    const second = await signingKey(store.db, 'rotate-2', new Date(), old);
    // Keys made by the other tests in this file are under other secret keys: re-seal only ours.
    await store.db.deleteFrom('signing_keys').where('name', 'not in', ['rotate-1', 'rotate-2']).execute();
    expect(await resealSigningKeys(store.db, old, next)).toEqual({ resealed: ['rotate-1', 'rotate-2'], alreadyUnderNewKey: [] });
    expect(await signingKey(store.db, 'rotate-1', new Date(), next)).toBe(first);
    expect(await signingKey(store.db, 'rotate-2', new Date(), next)).toBe(second);
    expect((await failure(signingKey(store.db, 'rotate-1', new Date(), old))).message).toContain(`sealed with secret key ${next.id}`);
    // Run again (an operator retrying): nothing to do, nothing broken.
    expect(await resealSigningKeys(store.db, old, next)).toEqual({ resealed: [], alreadyUnderNewKey: ['rotate-1', 'rotate-2'] });
  });

  it('re-seals nothing when the old key is wrong, and says so', async () => {
    const old = key('old');
    await store.db.deleteFrom('signing_keys').execute();
    const made = await signingKey(store.db, 'x', new Date(), old);
    await signingKey(store.db, 'y', new Date(), old);
    const error = await failure(resealSigningKeys(store.db, key('not the old one'), key('new')));
    expect(error.message).toContain(`sealed with secret key ${old.id}`);
    expect(await signingKey(store.db, 'x', new Date(), old)).toBe(made);
    expect(sealedWith(await storedValue(store, 'y'))).toBe(old.id);
  });
});

describe('the SQLite file alone', () => {
  it('holds neither the signing keys nor the secret key, in any spelling', async () => {
    const database = await createTestDatabase('sqlite');
    const secretKey = key('test');
    const store = await openStore(database.options);
    const made = [await signingKey(store.db, 'incident-ack-links', new Date(), secretKey), await signingKey(store.db, 'flag-stream-access', new Date(), secretKey)];
    await store.close();
    try {
      // Closing checkpoints the WAL into the main file; read whatever is on disk.
      const dir = database.options.dataDir as string;
      const bytes = Buffer.concat(readdirSync(dir).filter((f) => f.startsWith('ripcord.db')).map((f) => readFileSync(join(dir, f))));
      expect(bytes.length).toBeGreaterThan(0);
      for (const secret of made) {
        expect(bytes.includes(Buffer.from(secret))).toBe(false);
        expect(bytes.includes(Buffer.from(secret, 'hex'))).toBe(false);
      }
      expect(bytes.includes(secretKey.bytes)).toBe(false);
      expect(bytes.includes(Buffer.from(secretKey.bytes.toString('hex')))).toBe(false);
      // The rows are there, sealed: this is what a reader of the file gets.
      expect(bytes.includes(Buffer.from(`rcs1:${secretKey.id}:`))).toBe(true);
    } finally {
      await database.drop();
    }
  });

  it('keeps no trace of a key an older ripcord stored in clear once it is sealed', async () => {
    const database = await createTestDatabase('sqlite');
    const legacy = randomBytes(32).toString('hex');
    const first = await openStore(database.options);
    await first.db.insertInto('signing_keys').values({ name: 'incident-ack-links', secret: legacy, created_at: new Date().toISOString() }).execute();
    await first.close();
    const dir = database.options.dataDir as string;
    const onDisk = () => Buffer.concat(readdirSync(dir).filter((f) => f.startsWith('ripcord.db')).map((f) => readFileSync(join(dir, f))));
    try {
      expect(onDisk().includes(Buffer.from(legacy))).toBe(true);
      const store = await openStore(database.options);
      expect(await signingKey(store.db, 'incident-ack-links', new Date(), key('test'))).toBe(legacy);
      await store.close();
      expect(onDisk().includes(Buffer.from(legacy))).toBe(false);
    } finally {
      await database.drop();
    }
  });
});
