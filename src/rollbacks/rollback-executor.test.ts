import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import type { RipcordConfig } from '../config/ripcord-config.js';
import { EventBus, type RipcordEvent } from '../core/events.js';
import { Ledger } from '../deployments/ledger.js';
import { MemoryProvider } from '../providers/memory/memory-provider.js';
import { KyselyLedgerRepository } from '../store/kysely-ledger-repository.js';
import { KyselyRollbackRepository } from '../store/kysely-rollback-repository.js';
import { openStore, type Store } from '../store/open-store.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { buildProviderSet } from './provider-set.js';
import { RollbackExecutor } from './rollback-executor.js';

let database: TestDatabase;
let store: Store;
let health: Server;
let healthStatus = 200;
let healthUrl: string;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase('sqlite');
  store = await openStore(database.options);
  health = createServer((_req, res) => {
    res.statusCode = healthStatus;
    res.end('ok');
  });
  await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
  healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/health`;
});

afterAll(async () => {
  await store.close();
  await database.drop();
  await new Promise((resolve) => health.close(resolve));
});

let env = 0;
beforeEach(() => {
  env += 1;
  healthStatus = 200;
  dir = mkdtempSync(join(tmpdir(), 'ripcord-exec-'));
});

/** A fresh environment name per test, so plans, cooldowns and leases do not leak between tests. */
function setup(rollback: string, verify = '[ health ]') {
  const name = `env${env}`;
  const yaml = `service: shop\nenvironments:\n  ${name}:\n    provider: { kind: memory }\n    signals: { health: { http: 'HEALTH' } }\n    rollback: ${rollback}\n    verify: ${verify}\n`;
  const parsed = parseConfig(yaml.replaceAll('HEALTH', healthUrl), 'ripcord.yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const config: RipcordConfig = parsed.config;
  const events = new EventBus();
  const seen: RipcordEvent[] = [];
  events.subscribe((event) => {
    seen.push(event);
  });
  const ledger = new Ledger(new KyselyLedgerRepository(store.db), undefined, events);
  const memory = new MemoryProvider();
  const repository = new KyselyRollbackRepository(store.db);
  const executor = new RollbackExecutor({
    repository,
    ledger,
    events,
    config,
    backoffMs: 10,
    providers: (environment) => ({ ...buildProviderSet(config.environments[environment] as never, { stateDir: dir }), main: memory }),
  });
  return { name, config, events, seen, ledger, memory, executor, repository };
}

async function twoReleases(ledger: Ledger, name: string) {
  const v1 = await ledger.record({ service: 'shop', environment: name, version: '1.0.0' }, 'ci');
  await ledger.transition(v1.id, 'verified', 'ci');
  const v2 = await ledger.record({ service: 'shop', environment: name, version: '2.0.0' }, 'ci');
  return { v1, v2 };
}

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n');

describe('RollbackExecutor', () => {
  it('runs the steps in order, uses a fallback, verifies, and moves the ledger', async () => {
    const log = join(dir, 'log');
    const t = setup(`[ { command: 'echo first >> ${log}' }, previous_release, { step: { command: 'exit 3' }, fallback: { command: 'echo fallback >> ${log}' } } ]`);
    const { v1, v2 } = await twoReleases(t.ledger, t.name);

    const prepared = await t.executor.prepare({ environment: t.name, reason: 'test', actor: 'alice' });
    expect(prepared.target.version).toBe('1.0.0');
    expect(prepared.descriptions).toHaveLength(4);
    expect(prepared.descriptions[1]).toContain('make 1.0.0 live');

    const started = await t.executor.start({ environment: t.name, reason: 'errors up', actor: 'alice', severity: 'P1' });
    const plan = await t.executor.wait(started.id);

    expect(plan.status).toBe('succeeded');
    expect(plan.state).toBe('1.0.0 is live and verified; 2.0.0 is rolled back');
    expect(plan.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(plan.steps[2]?.usedFallback).toBe(true);
    expect(plan.steps[2]?.summary).toContain('exit code 3');
    for (const step of plan.steps) {
      expect(step.startedAt).toBeDefined();
      expect(step.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(lines(log)).toEqual(['first', 'fallback']);
    expect(t.memory.live('shop', t.name)?.version).toBe('1.0.0');
    expect((await t.ledger.get(v2.id)).status).toBe('rolled_back');
    expect((await t.ledger.get(v1.id)).status).toBe('verified');
    const types = t.seen.map((e) => e.type).filter((type) => type.startsWith('rollback') || type.startsWith('verification'));
    expect(types[0]).toBe('rollback.started');
    expect(types.at(-2)).toBe('verification.finished');
    expect(types.at(-1)).toBe('rollback.finished');
    expect(t.seen.filter((e) => e.type === 'rollback.step')).toHaveLength(8);
  });

  it('fails the plan when verification fails, and says the release is live but not verified', async () => {
    const t = setup('[ previous_release ]');
    const { v1 } = await twoReleases(t.ledger, t.name);
    healthStatus = 503;
    const plan = await t.executor.wait((await t.executor.start({ environment: t.name, reason: 'x', actor: 'alice' })).id);
    expect(plan.status).toBe('failed');
    expect(plan.state).toContain('1.0.0 is live again but NOT verified');
    expect(plan.steps[1]?.error).toContain('answered 503');
    expect((await t.ledger.get(v1.id)).status).toBe('live');
    const finished = t.seen.find((e) => e.type === 'rollback.finished');
    expect(finished).toMatchObject({ outcome: 'failed' });
    expect(t.seen.find((e) => e.type === 'verification.finished')).toMatchObject({ passed: false });
  });

  it('skips the rest after a failed step, leaves the ledger alone, and stops new P1 releases unless forced', async () => {
    const log = join(dir, 'log');
    writeFileSync(log, '');
    const t = setup(`[ { command: 'exit 9' }, { command: 'echo never >> ${log}' } ]`);
    const { v2 } = await twoReleases(t.ledger, t.name);
    const plan = await t.executor.wait((await t.executor.start({ environment: t.name, reason: 'x', actor: 'alice', severity: 'P1' })).id);
    expect(plan.steps.map((s) => s.status)).toEqual(['failed', 'skipped', 'skipped']);
    expect(plan.state).toContain('a person must take over');
    expect(readFileSync(log, 'utf8')).toBe('');
    expect((await t.ledger.get(v2.id)).status).toBe('live');
    await expect(t.executor.assertReleaseAllowed(t.name)).rejects.toThrow(/new releases of .* are stopped: P1 rollback/);
    await expect(t.executor.assertReleaseAllowed(t.name, true)).resolves.toBeUndefined();
  });

  it('times out a hung step, retries it with backoff, and records every attempt', async () => {
    const t = setup(`[ { command: 'sleep 5', timeout: 200ms, retries: 1 } ]`, '[]');
    await twoReleases(t.ledger, t.name);
    const began = Date.now();
    const plan = await t.executor.wait((await t.executor.start({ environment: t.name, reason: 'x', actor: 'alice' })).id);
    expect(Date.now() - began).toBeLessThan(3000);
    expect(plan.steps[0]).toMatchObject({ status: 'failed', attempts: 2 });
    expect(plan.steps[0]?.error).toMatch(/timed out after 200ms|aborted/);
  });

  it('refuses a second rollback within the cooldown, and goes back to a rolled-back release only with --to and --force', async () => {
    const t = setup('[ previous_release ]', '[]');
    await twoReleases(t.ledger, t.name);
    await t.executor.wait((await t.executor.start({ environment: t.name, reason: 'x', actor: 'alice' })).id);
    await t.ledger.record({ service: 'shop', environment: t.name, version: '3.0.0' }, 'ci');
    await expect(t.executor.prepare({ environment: t.name, reason: 'again', actor: 'alice' })).rejects.toThrow(/cooldown guards against rollback loops/);
    await expect(t.executor.prepare({ environment: t.name, to: '2.0.0', reason: 'again', actor: 'alice' })).rejects.toThrow(
      /refusing to roll back to 2.0.0 .*rolled back; if it is the one that works, go back to it explicitly with --to 2.0.0 --force/,
    );
    const forced = await t.executor.prepare({ environment: t.name, reason: 'again', actor: 'alice', force: true });
    expect(forced.target.version).toBe('1.0.0');
    // The operator's explicit call: back to 2.0.0, which was rolled back; recorded as such.
    const back = await t.executor.wait((await t.executor.start({ environment: t.name, to: '2.0.0', reason: '1.0.0 is worse', actor: 'alice', force: true })).id);
    expect(back.status).toBe('succeeded');
    expect(back.reason).toBe('1.0.0 is worse [forced back to rolled-back release 2.0.0]');
    const releases = await t.ledger.list({ service: 'shop', environment: t.name, limit: 10 });
    expect(Object.fromEntries(releases.releases.map((r) => [r.version, r.status]))).toEqual({ '3.0.0': 'rolled_back', '2.0.0': 'live', '1.0.0': 'superseded' });
    const two = releases.releases.find((r) => r.version === '2.0.0');
    const history = await t.ledger.get(two?.id as string);
    expect(JSON.stringify(history)).toMatch(/forced back by alice: rollback rbk_\w+ --to 2\.0\.0 --force/);
  });

  it('resumes a plan after a crash without running a succeeded step again', async () => {
    const log = join(dir, 'log');
    const t = setup(`[ { command: 'echo one >> ${log}' }, { command: 'echo two >> ${log}' }, previous_release ]`, '[]');
    await twoReleases(t.ledger, t.name);
    const { plan } = await t.executor.prepare({ environment: t.name, reason: 'x', actor: 'alice' });
    // What a crash leaves: the plan running, step 1 done, step 2 marked running but never finished.
    await t.repository.insertPlan({ ...plan, status: 'running', startedAt: new Date().toISOString() });
    await t.repository.updateStep(plan.id, 0, { status: 'succeeded', summary: 'done before the crash', attempts: 1 });
    await t.repository.updateStep(plan.id, 1, { status: 'running', attempts: 1 });
    expect(await t.executor.resumeUnfinished()).toEqual([plan.id]);
    const finished = await t.executor.wait(plan.id);
    expect(finished.status).toBe('succeeded');
    expect(lines(log)).toEqual(['two']);
    expect(finished.steps[1]?.attempts).toBe(2);
  });
});
