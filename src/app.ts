import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { TokenService } from './auth/token-service.js';
import type { RipcordConfig } from './config/ripcord-config.js';
import { type Clock, systemClock } from './core/clock.js';
import { EventBus } from './core/events.js';
import { Ledger } from './deployments/ledger.js';
import { createDetectionModule, type DetectionModule } from './detection-module.js';
import { HttpMetrics } from './http/http-metrics.js';
import { syncFlagsFromConfig } from './flags/flag-config-sync.js';
import { FlagService } from './flags/flag-service.js';
import { channelSetup } from './channel-setup.js';
import { IncidentCommunicator } from './incidents/incident-communicator.js';
import { EscalationEngine } from './incidents/escalation-engine.js';
import type { Incident } from './incidents/incident.js';
import { IncidentService } from './incidents/incident-service.js';
import { loadSecretKey, type SecretKey } from './store/secret-key.js';
import { signingKey } from './store/signing-keys.js';
import { KyselyIncidentRepository } from './store/kysely-incident-repository.js';
import { ReleaseFlags } from './flags/release-flags.js';
import { FlagOutcomes } from './flags/flag-outcomes.js';
import { FlagKillSwitch } from './flags/flag-kill-switch.js';
import { createFlagsProvider } from './providers/flags/flags-provider.js';
import { allRoutes } from './http/routes/index.js';
import { objectResolvers } from './http/routes/object-resolvers.js';
import { DEFAULT_STREAM_LIMITS, StreamRegistry } from './http/stream-registry.js';
import { verifyStreamAccess } from './flags/stream-access.js';
import { KyselyFlagRepository } from './store/kysely-flag-repository.js';
import { startPostgresFlagNotifier } from './store/postgres-flag-notifier.js';
import { buildServer } from './http/server.js';
import { createLogger } from './logger.js';
import { KyselyLedgerRepository } from './store/kysely-ledger-repository.js';
import { KyselyTokenRepository } from './store/kysely-token-repository.js';
import { DEFAULT_DATA_DIR, openStore, type Store } from './store/open-store.js';
import { VERSION } from './version.js';
import { createRollbacksModule, type RollbacksModule } from './rollbacks-module.js';
import { statusSubscriptionsFor } from './status-subscriptions-setup.js';
import { stableHolderId } from './rollbacks/holder-id.js';
import { RipcordError } from './core/errors.js';

export interface AppOptions {
  /** How often escalation timers and periodic incident updates are checked (ms); 0 = never on their own (tests tick). Default 1000. */
  incidentTickMs?: number | undefined;
  /** Retries of incident notifications (default 3 attempts, 500 ms doubling). */
  notifyRetry?: { attempts: number; baseDelayMs: number } | undefined;
  /** Browser origins that may call OFREP, the flag stream, the banner and /status (CORS); none by default. */
  corsOrigins?: string[] | undefined;
  /** OFREP evaluations per second per token before 429 (default 5,000). */
  ofrepRateLimit?: number | undefined;
  config?: RipcordConfig | undefined;
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** `RIPCORD_ADMIN_TOKEN`: when set, this is the admin token and none is generated. */
  adminToken?: string | undefined;
  logger?: Logger | undefined;
  clock?: Clock | undefined;
  /** How often the watcher ticks (ms); 0 = never on its own (tests call `detection.detection.tick()`). Default 5000. */
  watchIntervalMs?: number | undefined;
  /** The ripcord.yaml path: providers resolve relative paths from its folder. */
  configFile?: string | undefined;
  /** Resume unfinished rollback plans and execute rollback decisions (default true). */
  runRollbacks?: boolean | undefined;
  /** How long a rollback lease lasts without renewal (default 15 s; env RIPCORD_ROLLBACK_LEASE_MS). */
  rollbackLeaseMs?: number | undefined;
  /** Anti-loop cooldown between rollbacks of one environment (default 10 min). */
  rollbackCooldownMs?: number | undefined;
  /** Seals the signing keys in the store; default: `RIPCORD_SECRET_KEY`, else the key file (made on first start). */
  secretKey?: SecretKey | undefined;
  /** The URL clients reach this server at (`--public-url`); default: the address it listens on. */
  publicUrl?: string | undefined;
  /** Failed authentications per minute per client address before 429 (default 20). */
  authFailureLimit?: number | undefined;
  /** Open streams per token, and on this server, before 429 (defaults 5,000 and 20,000). */
  streamLimitPerToken?: number | undefined;
  streamLimit?: number | undefined;
  /** How often revocations made by other servers sharing the store are read (ms; default 500). */
  revocationPollMs?: number | undefined;
  /** Bind the API here before any background work starts (`serve`); a port that cannot be bound fails createApp. */
  listen?: { host: string; port: number } | undefined;
  /** Run each router environment's proxy as its own process, `ripcord router`, that outlives this one (`serve` default). */
  routerProcess?: boolean | undefined;
  /** How long SIGTERM lets a running rollback step finish before aborting it (default 10 s; env RIPCORD_SHUTDOWN_GRACE_MS). */
  shutdownGraceMs?: number | undefined;
}

export interface App {
  config?: RipcordConfig | undefined;
  store: Store;
  ledger: Ledger;
  tokens: TokenService;
  metrics: HttpMetrics;
  server: FastifyInstance;
  logger: Logger;
  /** Domain events: features publish, incidents and notifiers subscribe. */
  events: EventBus;
  /** Signals, the watcher and decisions (issue 3): `detection.detection.verdict(service, env)`. */
  detection: DetectionModule;
  /** Feature flags and kill switches (issue 5). */
  flags: FlagService;
  /** Incidents: lifecycle, timeline, reports, recovery numbers (issue 6). */
  incidents: IncidentService;
  /** Escalation and periodic updates; absent without a ripcord.yaml. `tick()` runs them once (tests). */
  incidentTimers?: { tick(): Promise<void> } | undefined;
  /** The rollback executor and providers (issue 4); absent without a ripcord.yaml. */
  rollbacks?: RollbacksModule | undefined;
  /** Set on the first start without RIPCORD_ADMIN_TOKEN: print it once, it is not stored. */
  generatedAdminToken?: string | undefined;
  /** The public URL: `--public-url`, or the address `listen` bound when none was given. */
  origin: { url: string | undefined };
  /** Where the API listens, when `listen` was given. */
  url?: string | undefined;
  close(): Promise<void>;
}

/** The composition root: config → store → services → HTTP. Later features plug in here. */
export async function createApp(options: AppOptions = {}): Promise<App> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger();
  const secretKey = options.secretKey ?? defaultSecretKey(logger);
  const store = await openStore({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
  for (const warning of store.warnings) logger.warn({ store: store.location }, warning);
  try {
    const events = new EventBus((error, event) => logger.error({ err: error, event: event.type }, 'event subscriber failed'));
    const ledger = new Ledger(new KyselyLedgerRepository(store.db), clock, events);
    const tokens = new TokenService(new KyselyTokenRepository(store.db), clock);
    const generatedAdminToken = await tokens.bootstrap(options.adminToken);
    const metrics = new HttpMetrics();
    const detection = await createDetectionModule({ config: options.config, db: store.db, ledger, events, clock, logger, registry: metrics.registry });
    const flags = new FlagService(new KyselyFlagRepository(store.db), clock, events);
    // Several servers on one PostgreSQL: a kill switch flipped on one reaches streams on all.
    const flagNotifier = options.databaseUrl
      ? await startPostgresFlagNotifier(options.databaseUrl, (id) => void flags.receive(id).catch((error) => logger.error({ err: error }, 'flag change from another server could not be read')), (error) => logger.error({ err: error }, 'flag change notifier failed'))
      : undefined;
    if (flagNotifier) flags.useNotifier(flagNotifier);
    // Flag state is part of every release: a snapshot of the flag versions when it is recorded.
    const releaseFlags = new ReleaseFlags(flags, new KyselyFlagRepository(store.db), clock);
    releaseFlags.subscribe(events);
    // Kill switch by evidence: outcomes per flag variant, judged by the flag triggers of ripcord.yaml.
    const flagOutcomes = new FlagOutcomes();
    const flagKillSwitch = options.config ? new FlagKillSwitch({ config: options.config, flags, outcomes: flagOutcomes, events, clock }) : undefined;
    if (options.config) {
      for (const report of await syncFlagsFromConfig(options.config, flags)) {
        for (const kept of report.keptRuntimeChanges) {
          logger.warn({ environment: report.environment, flag: kept.key, version: kept.version, changedBy: kept.changedBy }, `flag ${kept.key} was changed at runtime by ${kept.changedBy} (v${kept.version}); ripcord.yaml's definition is not applied until someone turns it back`);
        }
        if (report.created.length + report.updated.length > 0) logger.info({ environment: report.environment, created: report.created, updated: report.updated }, 'flags synced from ripcord.yaml');
      }
    }
    const rollbacks = options.config
      ? createRollbacksModule({
          config: options.config,
          configFile: options.configFile,
          db: store.db,
          ledger,
          events,
          clock,
          stateDir: join(options.dataDir ?? DEFAULT_DATA_DIR, 'providers'),
          signals: { verdict: (service, environment) => detection.detection.verdict(service, environment) },
          outcomes: detection.aggregator,
          watcher: detection.detection,
          // The kill switch as a rollback step: flags_off / flags_set.
          extra: () => ({ flags: createFlagsProvider({ flags, releaseFlags }) }),
          logger,
          cooldownMs: options.rollbackCooldownMs,
          leaseMs: options.rollbackLeaseMs,
          holder: stableHolderId(options.dataDir ?? DEFAULT_DATA_DIR),
          routerProcess: options.routerProcess,
        })
      : undefined;
    // Incidents open and run from the events every feature publishes (issue 6).
    const incidentRepository = new KyselyIncidentRepository(store.db);
    const incidents = new IncidentService(
      incidentRepository,
      clock,
      async (releaseId) => (await ledger.get(releaseId).catch(() => undefined))?.deployedAt,
      (error) => logger.error({ err: error }, 'incident observer failed'),
    );
    incidents.attach(events);
    // Slack, signed webhooks and email from `notify:` and `people:`; every delivery, sent or failed, goes on
    // the timeline. Escalation pages through the same notifiers, with signed acknowledgement links.
    const ackSecret = await signingKey(store.db, 'incident-ack-links', clock.now(), secretKey, store.location);
    const streamSecret = await signingKey(store.db, 'flag-stream-access', clock.now(), secretKey, store.location);
    // Status page subscribers (email with double opt-in, webhooks) hear of each public update.
    const subscriptions = options.config ? statusSubscriptionsFor(options.config, store.db, incidents, clock, await signingKey(store.db, 'status-subscriber-links', clock.now(), secretKey, store.location), options.notifyRetry) : undefined;
    subscriptions?.attach();
    const incidentTimers = options.config ? startIncidentTimers(options.config, incidents, incidentRepository, ackSecret, options, clock, logger) : undefined;
    // A revoked token's open streams end at once, here and (through the store) on every other server.
    const streams = new StreamRegistry({ perToken: options.streamLimitPerToken ?? DEFAULT_STREAM_LIMITS.perToken, total: options.streamLimit ?? DEFAULT_STREAM_LIMITS.total });
    tokens.onRevoked((tokenId) => {
      const closed = streams.closeToken(tokenId);
      if (closed) logger.info({ token: tokenId, streams: closed }, 'closed the open streams of a revoked token');
    });
    const revocations = tokens.watchRevocations(options.revocationPollMs ?? 500, (error) => logger.error({ err: error }, 'reading token revocations failed; retrying'));
    const origin = { url: options.publicUrl?.replace(/\/+$/, '') };
    const routeDeps = { store, metrics, config: options.config, version: VERSION, ledger, tokens, detection, rollbacks, flags, releaseFlags, flagOutcomes, flagKillSwitch, ofrepRateLimit: options.ofrepRateLimit, incidents, clock, ackSecret, streamSecret, streams, publicUrl: () => origin.url, events, subscriptions };
    const routes = allRoutes(routeDeps);
    const server = await buildServer({
      routes,
      tokens,
      metrics,
      logger,
      corsOrigins: options.corsOrigins,
      resolvers: objectResolvers(routeDeps),
      authFailureLimit: options.authFailureLimit,
      verifySignedAccess: (access, environment) => {
        const check = verifyStreamAccess(streamSecret, access, environment, clock.now());
        if (!check.ok) throw new Error(check.reason);
        return check.tokenId;
      },
    });
    // The port first: a server that cannot listen must not go on watching and resuming plans headless.
    const url = options.listen ? await listenOrStop(server, options.listen, async () => {
      await revocations.stop();
      await incidentTimers?.stop();
      await flagNotifier?.close();
    }) : undefined;
    if (url && !['0.0.0.0', '::', ''].includes(options.listen?.host ?? '')) origin.url ??= url;
    if ((options.watchIntervalMs ?? 5000) > 0) detection.detection.start(options.watchIntervalMs ?? 5000);
    if (rollbacks) {
      const routers = await rollbacks.start();
      if (routers.length) logger.info({ routers }, 'router listening');
    }
    if (rollbacks && options.runRollbacks !== false) {
      rollbacks.executor.subscribe();
      const resumed = await rollbacks.executor.resumeUnfinished();
      if (resumed.length) logger.info({ plans: resumed }, 'resuming rollback plans left unfinished');
      // A peer that died leaves its plan open: take it over once its lease runs out.
      rollbacks.executor.startTakeover();
    }
    return {
      config: options.config,
      store,
      ledger,
      tokens,
      metrics,
      server,
      logger,
      events,
      generatedAdminToken,
      origin,
      url,
      detection,
      flags,
      incidents,
      incidentTimers,
      rollbacks,
      close: async () => {
        await revocations.stop();
        // Stop taking requests first, then let the running step finish (or abort it past the grace) and free its lease.
        const closing = drainHttp(server, 3_000);
        await rollbacks?.executor.stop(options.shutdownGraceMs ?? (Number(process.env.RIPCORD_SHUTDOWN_GRACE_MS) || 10_000));
        await incidentTimers?.stop();
        await detection.detection.stop();
        await rollbacks?.close();
        incidents.detach();
        // Notifications already under way are delivered (or recorded as failed) before the store closes.
        await incidents.idle();
        await closing;
        await flagNotifier?.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** The key from the environment or the key file; a key file made now is announced, since other servers need a copy. */
function defaultSecretKey(logger: Logger): SecretKey {
  const loaded = loadSecretKey();
  for (const warning of loaded.warnings) logger.warn(warning);
  if (loaded.generated) logger.info({ file: loaded.generated, keyId: loaded.key.id }, `secret key created at ${loaded.generated}: servers that share this store need the same key (see docs/configuration.md#keys-and-secrets)`);
  return loaded.key;
}

/** Escalation and periodic updates, on a timer; the due times live in the store, so a restart resumes them. */
function startIncidentTimers(config: RipcordConfig, incidents: IncidentService, repo: KyselyIncidentRepository, ackSecret: string, options: AppOptions, clock: Clock, logger: Logger) {
  const setup = channelSetup(config, { retry: options.notifyRetry, ackSecret, now: () => clock.now() });
  const communicator = new IncidentCommunicator(incidents, repo, setup, clock);
  communicator.attach();
  const policyFor = (incident: Incident) => config.incidents?.escalation[incident.severity] ?? config.environments[incident.environment]?.escalation;
  const escalation = new EscalationEngine(repo, incidents, policyFor, communicator.page, clock, (error) => logger.error({ err: error }, 'escalation step failed'));
  escalation.attach();
  const tick = async () => {
    await escalation.tick();
    await communicator.tick();
  };
  const every = options.incidentTickMs ?? 1000;
  let running: Promise<void> | undefined;
  const timer =
    every > 0
      ? setInterval(() => {
          if (running) return;
          running = tick()
            .catch((error) => logger.error({ err: error }, 'incident timers failed'))
            .finally(() => {
              running = undefined;
            });
        }, every)
      : undefined;
  timer?.unref();
  // Stopping lets a tick in progress finish, so a page being sent is not cut off by the store closing.
  return { tick, stop: async () => {
    clearInterval(timer);
    await running;
  } };
}

/**
 * Stops accepting connections, lets requests under way finish (up to `ms`; a flag stream never
 * finishes on its own), then closes what is left: SIGTERM does not reset in-flight API calls.
 */
async function drainHttp(server: FastifyInstance, ms: number): Promise<void> {
  const http = server.server;
  if (http.listening) {
    http.close(() => undefined);
    http.closeIdleConnections();
    const deadline = Date.now() + ms;
    const open = () => new Promise<number>((resolve) => http.getConnections((_error, count) => resolve(count ?? 0)));
    while (Date.now() < deadline && (await open()) > 0) {
      http.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  await server.close();
}

async function listenOrStop(server: FastifyInstance, at: { host: string; port: number }, cleanUp: () => Promise<void>): Promise<string> {
  try {
    await server.listen({ host: at.host, port: at.port });
  } catch (error) {
    await cleanUp().catch(() => undefined);
    await server.close().catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    throw new RipcordError('unavailable', `cannot listen on ${at.host}:${at.port}: ${code === 'EADDRINUSE' ? 'the port is in use (another ripcord or another program?)' : code === 'EACCES' ? 'permission denied' : (error as Error).message}; nothing was started`);
  }
  return urlOf(server, at);
}

function urlOf(server: FastifyInstance, at: { host: string; port: number }): string {
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : at.port;
  const host = at.host.includes(':') ? `[${at.host}]` : at.host;
  return `http://${host}:${port}`;
}

export async function listen(app: App, options: { host: string; port: number }): Promise<string> {
  await app.server.listen({ host: options.host, port: options.port });
  const address = app.server.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  // A wildcard address is no URL to hand out; OFREP then names the interface each client reached.
  if (!['0.0.0.0', '::', ''].includes(options.host)) app.origin.url ??= url;
  return url;
}
