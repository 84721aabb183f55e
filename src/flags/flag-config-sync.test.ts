import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import type { RipcordConfig } from '../config/ripcord-config.js';
import { KyselyFlagRepository } from '../store/kysely-flag-repository.js';
import { openStore, type Store } from '../store/open-store.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { syncFlagsFromConfig } from './flag-config-sync.js';
import { FlagService } from './flag-service.js';

const on = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };

function config(text: string): RipcordConfig {
  const result = parseConfig(text, 'ripcord.yaml', {});
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
}

describe('flags declared in ripcord.yaml', () => {
  let database: TestDatabase;
  let store: Store;
  let flags: FlagService;
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-flags-'));

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    store = await openStore(database.options);
    flags = new FlagService(new KyselyFlagRepository(store.db));
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('creates them, follows file edits, and never undoes a kill switch until someone turns it back', async () => {
    const v1 = config(`service: web\nenvironments:\n  production:\n    flags:\n      splitViewLayout: ${JSON.stringify(on)}\n`);
    expect((await syncFlagsFromConfig(v1, flags))[0]).toMatchObject({ created: ['splitViewLayout'], updated: [], keptRuntimeChanges: [] });
    await flags.setEnabled('web', 'production', { splitViewLayout: { enabled: false } }, 'oncall', 'P1');
    const edited = config(`service: web\nenvironments:\n  production:\n    flags:\n      splitViewLayout: ${JSON.stringify({ ...on, defaultVariant: 'off' })}\n`);
    expect((await syncFlagsFromConfig(edited, flags))[0]).toMatchObject({ updated: [], keptRuntimeChanges: [{ key: 'splitViewLayout', version: 2, changedBy: 'oncall' }] });
    expect((await flags.get('web', 'production', 'splitViewLayout')).definition.state).toBe('DISABLED');
    await flags.setEnabled('web', 'production', { splitViewLayout: { enabled: true } }, 'oncall', 'fixed');
    expect((await syncFlagsFromConfig(edited, flags))[0]).toMatchObject({ updated: ['splitViewLayout'], keptRuntimeChanges: [] });
    expect((await flags.get('web', 'production', 'splitViewLayout')).definition.defaultVariant).toBe('off');
  });

  it('reads a flagd JSON file and names the file and field when it is wrong', async () => {
    writeFileSync(join(dir, 'flags.json'), JSON.stringify({ flags: { newCheckout: on } }));
    expect((await syncFlagsFromConfig(config(`service: web\nenvironments:\n  staging:\n    flags: ${join(dir, 'flags.json')}\n`), flags))[0]?.created).toEqual(['newCheckout']);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ flags: { broken: { state: 'MAYBE', variants: {}, defaultVariant: 'x' } } }));
    await expect(syncFlagsFromConfig(config(`service: web\nenvironments:\n  staging:\n    flags: ${join(dir, 'bad.json')}\n`), flags)).rejects.toThrow(/bad\.json: flags\.broken\.state/);
  });

  it('validates inline definitions with the file position', () => {
    const result = parseConfig('service: web\nenvironments:\n  production:\n    flags:\n      x: { state: ENABLED, variants: { on: true }, defaultVariant: nope }\n', 'ripcord.yaml', {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toMatchObject({ line: 5, path: 'environments.production.flags.x.defaultVariant' });
  });
});
