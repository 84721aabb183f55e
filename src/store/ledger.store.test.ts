import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../auth/token-service.js';
import { ManualClock } from '../core/clock.js';
import { EventBus } from '../core/events.js';
import { Ledger } from '../deployments/ledger.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import { listAudit } from './audit-store.js';
import { KyselyLedgerRepository } from './kysely-ledger-repository.js';
import { KyselyTokenRepository } from './kysely-token-repository.js';
import { openStore, type Store } from './open-store.js';

/** One suite, both dialects: the ledger must behave the same on SQLite and PostgreSQL. */
describe.each(DIALECTS)('store on %s', (dialect) => {
  let database: TestDatabase;
  let store: Store;
  let ledger: Ledger;
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  const tick = () => clock.advance(60_000);

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    store = await openStore(database.options);
    ledger = new Ledger(new KyselyLedgerRepository(store.db), clock);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('applies migrations once; opening again is a no-op', async () => {
    const again = await openStore(database.options);
    await again.close();
    expect(store.dialect).toBe(dialect);
  });

  it('records a release with snapshots, supersedes the one serving, and keeps the history', async () => {
    const v1 = await ledger.record({ service: 'web', environment: 'production', version: 'v1.0.0', commit: 'aaa111' }, 'ci');
    tick();
    const v2 = await ledger.record(
      {
        service: 'web',
        environment: 'production',
        version: 'v1.1.0',
        providerDeploymentId: 'dpl_123',
        snapshots: [
          { kind: 'database_backup', reference: 'backups/pre-v1.1.0.sql', checksum: 'sha256:ab' },
          { kind: 'config_snapshot', reference: '.ripcord/config/v1.1.0.env', details: { files: 1 } },
        ],
      },
      'ci',
    );
    expect(v2.previousReleaseId).toBe(v1.id);
    expect(v2.snapshots.map((s) => [s.kind, s.reference, s.checksum])).toEqual([
      ['database_backup', 'backups/pre-v1.1.0.sql', 'sha256:ab'],
      ['config_snapshot', '.ripcord/config/v1.1.0.env', undefined],
    ]);
    expect(v2.snapshots[1]?.details).toEqual({ files: 1 });
    const old = await ledger.get(v1.id);
    expect(old.status).toBe('superseded');
    expect(old.transitions.map((t) => `${t.from ?? '∅'}→${t.to}`)).toEqual(['∅→live', 'live→superseded']);
    expect(old.transitions[1]?.reason).toBe(`superseded by v1.1.0 (${v2.id})`);
  });

  it('resolves the last known good: newest verified or stable, never rolled back', async () => {
    expect(await ledger.lastKnownGood('web', 'staging')).toBeUndefined();
    tick();
    const a = await ledger.record({ service: 'web', environment: 'staging', version: 'a' }, 'ci');
    await ledger.transition(a.id, 'verified', 'ripcord', 'verification passed');
    tick();
    const b = await ledger.record({ service: 'web', environment: 'staging', version: 'b' }, 'ci');
    await ledger.markStable(b.id, 'alice');
    tick();
    const c = await ledger.record({ service: 'web', environment: 'staging', version: 'c' }, 'ci');
    expect((await ledger.lastKnownGood('web', 'staging'))?.version).toBe('b');
    await ledger.transition(c.id, 'verified', 'ripcord');
    expect((await ledger.lastKnownGood('web', 'staging'))?.version).toBe('c');
    await ledger.transition(c.id, 'rolled_back', 'ripcord', 'error rate 9%');
    expect((await ledger.lastKnownGood('web', 'staging'))?.version).toBe('b');
    // A rolled-back release is final: it can never go live again.
    await expect(ledger.transition(c.id, 'live', 'alice')).rejects.toThrow(/rolled_back; it cannot become live/);
    await expect(ledger.markStable(c.id, 'alice')).rejects.toThrow(/cannot be marked stable/);
  });

  it('lists newest first in pages that neither skip nor repeat', async () => {
    for (let i = 0; i < 7; i++) {
      await ledger.record({ service: 'api', environment: 'production', version: `v${i}`, deployedAt: '2026-02-01T00:00:00.000Z' }, 'ci');
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await ledger.list({ service: 'api', environment: 'production', limit: 3, cursor });
      seen.push(...page.releases.map((r) => r.version));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['v6', 'v5', 'v4', 'v3', 'v2', 'v1', 'v0']);
    const live = await ledger.list({ service: 'api', status: 'live', limit: 10 });
    expect(live.releases.map((r) => r.version)).toEqual(['v6']);
  });

  it('writes an audit entry for every change, in the same transaction', async () => {
    const release = await ledger.record({ service: 'audit', environment: 'production', version: '1' }, 'deployer');
    await ledger.addSnapshot(release.id, { kind: 'artifact_backup', reference: 's3://backup/1/' }, 'deployer');
    await ledger.markStable(release.id, 'alice');
    const entries = await listAudit(store.db, { limit: 10, target: release.id });
    expect(entries.map((e) => `${e.actor} ${e.action}`)).toEqual(['alice release.marked_stable', 'deployer snapshot.recorded', 'deployer release.recorded']);
  });

  it('leaves nothing behind when a change fails half-way', async () => {
    const before = await ledger.list({ service: 'atomic', limit: 10 });
    await expect(
      ledger.record({ service: 'atomic', environment: 'production', version: '1', snapshots: [{ kind: 'tag', reference: 'x', takenAt: 'not a date' }] }, 'ci'),
    ).rejects.toThrow();
    const after = await ledger.list({ service: 'atomic', limit: 10 });
    expect(after.releases).toHaveLength(before.releases.length);
  });

  it('summarises each environment: serving release and last known good', async () => {
    const summary = await ledger.summary([{ service: 'web', environment: 'canary' }]);
    const staging = summary.find((s) => s.service === 'web' && s.environment === 'staging');
    expect(staging?.current).toBeUndefined();
    expect(staging?.lastKnownGood?.version).toBe('b');
    expect(summary.find((s) => s.environment === 'canary')).toEqual({ service: 'web', environment: 'canary', current: undefined, lastKnownGood: undefined });
  });

  it('publishes release events only after the change committed', async () => {
    const events = new EventBus();
    const seen: string[] = [];
    events.subscribe(async (event) => {
      if (event.type === 'release.recorded' || event.type === 'release.status_changed') {
        const stored = await ledger.get(event.releaseId as string);
        seen.push(`${event.type}:${stored.status}`);
      }
    });
    const evented = new Ledger(new KyselyLedgerRepository(store.db), clock, events);
    const release = await evented.record({ service: 'events', environment: 'production', version: '1' }, 'ci');
    await evented.transition(release.id, 'verified', 'ripcord');
    expect(seen).toEqual(['release.recorded:live', 'release.status_changed:verified']);
  });

  it('stores only token hashes, authenticates and revokes', async () => {
    const tokens = new TokenService(new KyselyTokenRepository(store.db), clock);
    const generated = await tokens.bootstrap(undefined);
    expect(generated).toMatch(/^rcp_/);
    expect(await tokens.bootstrap(undefined)).toBeUndefined();
    const { token, secret } = await tokens.create({ name: 'ci', role: 'operator', environments: ['production'] }, 'admin');
    const rows = await store.db.selectFrom('api_tokens').select(['token_hash', 'token_prefix']).where('id', '=', token.id).execute();
    expect(rows[0]?.token_hash).not.toContain(secret.slice(4));
    expect(secret.startsWith(rows[0]?.token_prefix.replace('…', '') ?? 'x')).toBe(true);
    expect((await tokens.authenticate(secret))?.environments).toEqual(['production']);
    await expect(tokens.create({ name: 'ci', role: 'viewer' }, 'admin')).rejects.toThrow(/exists already/);
    await tokens.revoke('ci', 'admin');
    expect(await tokens.authenticate(secret)).toBeUndefined();
    await tokens.bootstrap('rcp_from-environment-0123456789');
    expect((await tokens.authenticate('rcp_from-environment-0123456789'))?.role).toBe('admin');
  });
});
