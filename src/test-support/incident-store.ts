import { KyselyIncidentRepository } from '../store/kysely-incident-repository.js';
import { openStore } from '../store/open-store.js';
import { createTestDatabase } from './databases.js';

const open: (() => Promise<void>)[] = [];

/**
 * The real incident repository on a fresh SQLite store, for tests of incident logic (there is no
 * in-memory double: it would need the shared store suite to stay honest). Call `closeIncidentStores`
 * in afterEach.
 */
export async function sqliteIncidentRepository(): Promise<KyselyIncidentRepository> {
  const database = await createTestDatabase('sqlite');
  const store = await openStore(database.options);
  open.push(async () => {
    await store.close();
    await database.drop();
  });
  return new KyselyIncidentRepository(store.db);
}

export async function closeIncidentStores(): Promise<void> {
  for (const close of open.splice(0)) await close();
}
