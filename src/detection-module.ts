import type { Kysely } from 'kysely';
import { Counter, type Registry } from 'prom-client';
import { DEFAULT_POLICY } from './config/defaults.js';
import type { RipcordConfig } from './config/ripcord-config.js';
import type { Clock } from './core/clock.js';
import type { EventBus } from './core/events.js';
import { DecisionService } from './decisions/decision-service.js';
import type { Ledger } from './deployments/ledger.js';
import { DetectionService } from './detection/detection-service.js';
import { AlertStore } from './signals/alert-store.js';
import type { BugReportRepository } from './signals/bug-reports.js';
import { OutcomeAggregator } from './signals/outcome-aggregator.js';
import { KyselyBugReportRepository } from './store/kysely-bug-report-repository.js';
import { KyselyDecisionRepository } from './store/kysely-decision-repository.js';
import { KyselyRollupRepository } from './store/kysely-rollup-repository.js';
import type { Database } from './store/schema.js';

/** Everything detection needs and offers, built once by the composition root (app.ts). */
export interface DetectionModule {
  /** The watcher; `verdict(service, env)` for the status, the CLI and the rollback executor. */
  detection: DetectionService;
  decisions: DecisionService;
  /** Feed it request outcomes (it is an `OutcomeSink`): ingest, the router provider. */
  aggregator: OutcomeAggregator;
  alerts: AlertStore;
  reports: BugReportRepository;
  clock: Clock;
}

export async function createDetectionModule(options: {
  config?: RipcordConfig | undefined;
  db: Kysely<Database>;
  ledger: Ledger;
  events: EventBus;
  clock: Clock;
  logger?: { warn(obj: object, msg: string): void } | undefined;
  /** The server's metrics registry: the watcher counts its failed passes there (`ripcord_watcher_failures_total`). */
  registry?: Registry | undefined;
}): Promise<DetectionModule> {
  const config = options.config ?? { service: '', policy: DEFAULT_POLICY, environments: {} };
  const aggregator = new OutcomeAggregator();
  const rollups = new KyselyRollupRepository(options.db);
  // After a restart the canary judge continues from the persisted buckets, not from zero.
  aggregator.restore(await rollups.since(options.clock.now().getTime() - 3 * 3_600_000));
  const alerts = new AlertStore();
  const reports = new KyselyBugReportRepository(options.db);
  const decisions = new DecisionService(new KyselyDecisionRepository(options.db), options.events, options.clock);
  const detection = new DetectionService({
    config,
    ledger: options.ledger,
    aggregator,
    alerts,
    reports,
    decisions,
    events: options.events,
    clock: options.clock,
    rollups,
    logger: options.logger,
    onFailure: watcherFailureCounter(options.registry),
  });
  return { detection, decisions, aggregator, alerts, reports, clock: options.clock };
}

function watcherFailureCounter(registry: Registry | undefined): ((stage: string) => void) | undefined {
  if (!registry) return undefined;
  const counter = new Counter({
    name: 'ripcord_watcher_failures_total',
    help: 'Watcher passes (or parts of one) that failed and will be retried on the next tick, by stage: ledger, environment, rollups, tick.',
    labelNames: ['stage'] as const,
    registers: [registry],
  });
  return (stage) => counter.inc({ stage });
}
