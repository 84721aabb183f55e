import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createPostgresCluster, type PostgresCluster } from '../test-support/postgres-cluster.js';

/** Polls an async condition with a deadline (the store answers asynchronously). */
async function eventually<T>(read: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Issue 13: PostgreSQL stopping must not end the process. A cluster of the test's own, stopped under a
 * running watcher and started again: no unhandled rejection, every failed pass counted, and the watcher
 * picks up a release recorded after the database is back, without a restart.
 */
describe('the watcher through a PostgreSQL outage', () => {
  let cluster: PostgresCluster;
  let app: App;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  const failures = async (): Promise<number> => {
    const metric = app.metrics.registry.getSingleMetric('ripcord_watcher_failures_total');
    const values = metric ? (await metric.get()).values : [];
    return values.reduce((sum, v) => sum + v.value, 0);
  };

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    cluster = await createPostgresCluster();
    cluster.start();
    const parsed = parseConfig(
      `service: pulse
environments:
  production:
    signals:
      requests: { ingest: true }
    triggers:
      - { signal: requests.error_rate, above: 5%, for: 1m, severity: P1 }
`,
      'ripcord.yaml',
      {},
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed));
    app = await createApp({ databaseUrl: cluster.url, config: parsed.config, adminToken: 'rcp_test-admin-token-outage-0123456789', watchIntervalMs: 50, incidentTickMs: 0, runRollbacks: false, logger: createLogger({ level: 'silent' }) });
  }, 60_000);

  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    await app?.close().catch(() => undefined);
    cluster?.destroy();
  });

  it('keeps running, counts the failed passes, and recovers by itself when the database is back', async () => {
    await app.ledger.record({ service: 'pulse', environment: 'production', version: 'v1' }, 'ci');
    await eventually(async () => app.detection.detection.verdict('pulse', 'production'), 'the watcher to watch v1');
    expect(await failures()).toBe(0);

    cluster.stop();
    await eventually(async () => ((await failures()) >= 3 ? true : undefined), 'three failed watcher passes counted');
    // The last verdict stays readable while the store is away.
    expect(app.detection.detection.verdict('pulse', 'production')?.version).toBe('v1');

    cluster.start();
    const v2 = await eventually(() => app.ledger.record({ service: 'pulse', environment: 'production', version: 'v2' }, 'ci'), 'the ledger to accept a release again');
    const watched = await eventually(async () => {
      const watch = app.detection.detection.verdict('pulse', 'production');
      return watch?.releaseId === v2.id ? watch : undefined;
    }, 'the watcher to pick up v2 after the outage');
    expect(watched.version).toBe('v2');
    expect(rejections).toEqual([]);
  }, 90_000);
});
