import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';

/** The kill switch inside a real rollback plan: the executor runs flags_off through the flags provider. */
describe('flags_off as a rollback step', () => {
  let database: TestDatabase;
  let app: App;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const parsed = parseConfig(
      `service: pulse-messages
environments:
  production:
    provider: { kind: memory }
    flags:
      splitViewLayout: { state: ENABLED, variants: { on: true, off: false }, defaultVariant: on }
    rollback: [ { flags_off: [splitViewLayout] }, previous_release ]
    verify: [ { observe: 0s } ]
`,
      'ripcord.yaml',
      {},
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    app = await createApp({ ...database.options, config: parsed.config, adminToken: 'rcp_flags-step-admin-0000000000', watchIntervalMs: 0, logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('turns the flag off first, then puts the previous release back, and the plan succeeds', async () => {
    const good = await app.ledger.record({ service: 'pulse-messages', environment: 'production', version: '1.0.0' }, 'ci');
    await app.ledger.markStable(good.id, 'ci');
    const bad = await app.ledger.record({ service: 'pulse-messages', environment: 'production', version: '2.0.0' }, 'ci');
    const rollbacks = app.rollbacks;
    if (!rollbacks) throw new Error('rollbacks module missing');
    const plan = await rollbacks.executor.start({ environment: 'production', reason: 'split view crashes', actor: 'oncall' });
    const done = await rollbacks.executor.wait(plan.id);
    const steps = done.steps.map((s) => `${s.name}:${s.status}`);
    expect(done.status, JSON.stringify(done.steps.map((s) => s.error ?? s.summary))).toBe('succeeded');
    expect(steps[0]).toMatch(/flags.*:succeeded$/);
    expect(done.steps[0]?.summary).toBe('flags splitViewLayout off (v2)');
    const flag = await app.flags.get('pulse-messages', 'production', 'splitViewLayout');
    expect(flag.definition.state).toBe('DISABLED');
    expect((await app.flags.history('pulse-messages', 'production', 'splitViewLayout'))[0]?.actor).toBe('ripcord');
    // Then the previous release: the second step ran, 1.0.0 serves again and 2.0.0 is recorded as rolled back.
    expect(done.steps.findIndex((s) => /previous|release|rollback/i.test(s.name))).toBeGreaterThan(0);
    expect(done.steps.every((s) => s.status === 'succeeded')).toBe(true);
    const [production] = await app.ledger.summary([{ service: 'pulse-messages', environment: 'production' }]);
    expect(production?.current?.version).toBe('1.0.0');
    expect((await app.ledger.get(bad.id)).status).toBe('rolled_back');
  });
});
