import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import { KyselyMaintenanceRepository } from './kysely-maintenance-repository.js';
import { KyselyStatusSubscriberRepository } from './kysely-status-subscriber-repository.js';
import { openStore, type Store } from './open-store.js';

/** One suite, both dialects: the status page's maintenance windows and subscribers. */
describe.each(DIALECTS)('status page store on %s', (dialect) => {
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

  it('keeps maintenance windows per service, soonest first, and their completion', async () => {
    const repo = new KyselyMaintenanceRepository(store.db);
    const window = (id: string, service: string, from: string) => ({ id, service, title: `upgrade ${id}`, body: 'may be slow', components: ['Messaging', 'Web app'], scheduledFor: from, scheduledUntil: '2026-04-01T00:00:00.000Z', createdBy: 'oncall', createdAt: '2026-03-01T00:00:00.000Z' });
    await repo.insert(window('mnt_b', 'web', '2026-03-20T00:00:00.000Z'));
    await repo.insert(window('mnt_a', 'web', '2026-03-10T00:00:00.000Z'));
    await repo.insert(window('mnt_c', 'api', '2026-03-05T00:00:00.000Z'));
    expect((await repo.list('web')).map((m) => m.id)).toEqual(['mnt_a', 'mnt_b']);
    expect((await repo.get('mnt_a'))?.components).toEqual(['Messaging', 'Web app']);
    await repo.complete('mnt_a', '2026-03-10T00:30:00.000Z');
    expect((await repo.get('mnt_a'))?.completedAt).toBe('2026-03-10T00:30:00.000Z');
    expect(await repo.get('mnt_missing')).toBeUndefined();
  });

  it('finds subscribers by token hash; only confirmed, subscribed ones are active; confirm and unsubscribe happen once', async () => {
    const repo = new KyselyStatusSubscriberRepository(store.db);
    const sub = (id: string, kind: 'email' | 'webhook', confirmedAt?: string) => ({ id, service: 'web', kind, target: `${id}@example.com`, components: kind === 'webhook' ? ['Messaging'] : [], secret: kind === 'webhook' ? 's3cret' : undefined, createdAt: '2026-03-01T00:00:00.000Z', confirmedAt });
    await repo.insert(sub('sub_1', 'email'), 'hash-1');
    await repo.insert(sub('sub_2', 'webhook', '2026-03-01T00:00:00.000Z'), 'hash-2');
    await expect(repo.insert(sub('sub_3', 'email'), 'hash-1')).rejects.toThrow();
    expect((await repo.active('web')).map((s) => s.id)).toEqual(['sub_2']);
    expect(await repo.byTokenHash('hash-1')).toMatchObject({ id: 'sub_1', kind: 'email', components: [] });
    await repo.confirm('sub_1', '2026-03-02T00:00:00.000Z');
    await repo.confirm('sub_1', '2026-03-09T00:00:00.000Z');
    expect((await repo.byTokenHash('hash-1'))?.confirmedAt).toBe('2026-03-02T00:00:00.000Z');
    expect((await repo.active('web')).map((s) => s.id).sort()).toEqual(['sub_1', 'sub_2']);
    await repo.unsubscribe('sub_2', '2026-03-03T00:00:00.000Z');
    expect((await repo.active('web')).map((s) => s.id)).toEqual(['sub_1']);
    expect((await repo.byTokenHash('hash-2'))).toMatchObject({ secret: 's3cret', components: ['Messaging'], unsubscribedAt: '2026-03-03T00:00:00.000Z' });
  });
});
