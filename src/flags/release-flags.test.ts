import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp, listen } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import type { FlagDefinition } from './flag-definition.js';

const SERVICE = 'pulse-messages';
const ADMIN = 'rcp_release-flags-admin-0000000000';
const on = (targeting?: unknown): FlagDefinition => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', ...(targeting ? { targeting } : {}) });

/** Flag state as part of every release: snapshot on record, `flags: restore` in a real plan, dry run, diff. */
describe('flags recorded with each release', () => {
  let database: TestDatabase;
  let app: App;
  let url: string;

  const setup = async (rollback: string) => {
    database = await createTestDatabase('sqlite');
    const parsed = parseConfig(`service: ${SERVICE}\nenvironments:\n  production:\n    provider: { kind: memory }\n    rollback: ${rollback}\n    verify: [ { observe: 0s } ]\n`, 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    app = await createApp({ ...database.options, config: parsed.config, adminToken: ADMIN, watchIntervalMs: 0, logger: createLogger({ level: 'silent' }) });
    url = await listen(app, { host: '127.0.0.1', port: 0 });
  };

  /** 1.0.0 ships with splitViewLayout for staff only; 2.0.0 turns it on for everyone and adds aiSummarization; a kill switch turns the summary off. */
  const history = async () => {
    await app.flags.put(SERVICE, 'production', 'splitViewLayout', on({ if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on', 'off'] }), 'dev');
    await app.flags.put(SERVICE, 'production', 'checkout', on(), 'dev');
    const good = await app.ledger.record({ service: SERVICE, environment: 'production', version: '1.0.0' }, 'ci');
    await app.ledger.markStable(good.id, 'ci');
    await app.flags.put(SERVICE, 'production', 'splitViewLayout', { ...on(), defaultVariant: 'on' }, 'dev');
    await app.flags.put(SERVICE, 'production', 'checkout', { ...on(), metadata: { owner: 'payments' } }, 'dev');
    await app.flags.put(SERVICE, 'production', 'aiSummarization', { ...on(), defaultVariant: 'on' }, 'dev');
    const bad = await app.ledger.record({ service: SERVICE, environment: 'production', version: '2.0.0' }, 'ci');
    // During the incident: a kill switch on checkout.
    await app.flags.setEnabled(SERVICE, 'production', { checkout: { enabled: false } }, 'oncall', 'P1');
    return { good, bad };
  };

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  describe('kill_switch: keep (the default)', () => {
    beforeAll(() => setup('[ { flags: restore }, previous_release ]'));

    it('snapshots flag versions with each release and diffs two releases', async () => {
      const { good, bad } = await history();
      const response = await fetch(`${url}/api/v1/environments/production/flag-diff?from=1.0.0&to=2.0.0`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        from: good.id,
        to: bad.id,
        flags: [
          { key: 'aiSummarization', b: { version: 1, state: 'ENABLED' }, fields: ['state', 'variants', 'defaultVariant'] },
          { key: 'checkout', a: { version: 1, state: 'ENABLED' }, b: { version: 2, state: 'ENABLED' }, fields: ['metadata'] },
          { key: 'splitViewLayout', a: { version: 1, state: 'ENABLED' }, b: { version: 2, state: 'ENABLED' }, fields: ['defaultVariant', 'targeting'] },
        ],
      });
    });

    it('dry run says which flags change from what to what; the plan restores them in one go and keeps the kill switch', async () => {
      const rollbacks = app.rollbacks;
      if (!rollbacks) throw new Error('rollbacks module missing');
      const dry = await rollbacks.executor.prepare({ environment: 'production', reason: 'split view crashes', actor: 'oncall' });
      expect(dry.descriptions[0]).toBe(
        'restore flags to release 1.0.0: aiSummarization v1 on → off (created after the release: turned off); ' +
          'checkout v3 off → v1 off (back to v1, but kept off: a kill switch turned it off since (the plan says kill_switch: keep)); ' +
          'splitViewLayout v2 on → v1 on (back to v1, as recorded with the release)',
      );
      // The dry run changed nothing.
      expect((await app.flags.get(SERVICE, 'production', 'splitViewLayout')).version).toBe(2);
      const plan = await rollbacks.executor.start({ environment: 'production', reason: 'split view crashes', actor: 'oncall' });
      const done = await rollbacks.executor.wait(plan.id);
      expect(done.status, JSON.stringify(done.steps.map((s) => s.error ?? s.summary))).toBe('succeeded');
      const split = await app.flags.get(SERVICE, 'production', 'splitViewLayout');
      expect(split.definition.targeting).toEqual({ if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on', 'off'] });
      expect(split.version).toBe(3);
      expect((await app.flags.get(SERVICE, 'production', 'checkout')).definition).toEqual({ ...on(), state: 'DISABLED' });
      expect((await app.flags.get(SERVICE, 'production', 'aiSummarization')).definition.state).toBe('DISABLED');
      expect((await app.flags.history(SERVICE, 'production', 'splitViewLayout'))[0]).toMatchObject({ actor: 'ripcord', reason: expect.stringContaining('flags back to release 1.0.0') });
    });
  });

  describe('kill_switch: restore', () => {
    beforeAll(async () => {
      await app?.close();
      await database?.drop();
      await setup('[ { flags: { restore: true, kill_switch: restore } }, previous_release ]');
    });

    it('brings a kill-switched flag back as it was with the release', async () => {
      await history();
      const rollbacks = app.rollbacks;
      if (!rollbacks) throw new Error('rollbacks module missing');
      const done = await rollbacks.executor.wait((await rollbacks.executor.start({ environment: 'production', reason: 'x', actor: 'oncall' })).id);
      expect(done.status).toBe('succeeded');
      expect((await app.flags.get(SERVICE, 'production', 'checkout')).definition).toEqual(on());
    });
  });
});
