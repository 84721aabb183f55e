import { resolve } from 'node:path';
import type { Command } from 'commander';
import { optionalConfig } from '../config-file.js';
import { print } from '../output.js';
import { VERSION } from '../../version.js';
import type { ServeFlags } from '../../config/runtime-settings.js';
import type { LoadedSecretKey } from '../../store/secret-key.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the control plane: API, ledger (and, as features land, watcher, flags, incidents)')
    .option('--config <file>', 'ripcord.yaml to load (default ./ripcord.yaml if present)')
    .option('--port <port>', 'port to listen on', '4747')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'where the SQLite store lives', '.ripcord')
    .option('--database <url>', 'PostgreSQL instead of SQLite: postgres://… (env RIPCORD_DATABASE_URL)')
    .option('--ofrep-rate-limit <n>', 'OFREP evaluations per second per app token before 429 (default 5000)')
    .option('--watch-interval <duration>', 'how often the watcher reads signals and judges every live release (default 5s; env RIPCORD_WATCH_INTERVAL_MS)')
    .option('--router-in-process', 'run router environments\' proxy inside this process (it then stops when ripcord stops) instead of as `ripcord router`')
    .option('--cors-origin <origins>', 'browser apps\' origins allowed to call OFREP, the flag stream, the banner and /status, comma-separated (env RIPCORD_CORS_ORIGINS)')
    .option('--public-url <url>', 'the URL apps and people reach this server at, e.g. https://ripcord.example.com (env RIPCORD_PUBLIC_URL)')
    .option('--auth-failure-limit <n>', 'failed authentications per minute per client address before 429 (default 20; env RIPCORD_AUTH_FAILURE_LIMIT)')
    .option('--stream-limit-per-token <n>', 'open flag/OFREP streams per token before 429 (default 100; env RIPCORD_STREAM_LIMIT_PER_TOKEN)')
    .option('--stream-limit <n>', 'open flag/OFREP streams on this server before 429 (default 10000; env RIPCORD_STREAM_LIMIT)')
    .option('--secret-key-file <file>', 'the key that seals signing keys in the store, made on first start (default ~/.config/ripcord/secret.key; env RIPCORD_SECRET_KEY_FILE, or the key itself in RIPCORD_SECRET_KEY)')
    .addHelpText('after', '\nExample:\n  ripcord serve --config ripcord.yaml --port 4747\n  RIPCORD_ADMIN_TOKEN=rcp_… ripcord serve --database postgres://127.0.0.1/ripcord')
    .action(async (options: ServeFlags & { config?: string; host: string; dataDir: string; routerInProcess?: boolean }) => {
      // Every flag and RIPCORD_* variable is checked before anything starts; all problems at once.
      // The server's modules load only when serving (ADR 0003).
      const [{ requireRuntimeSettings }, { createLogger }, { loadSecretKey, secretKeyFrom }, { createApp, listen }] = await Promise.all([
        import('../../config/runtime-settings.js'),
        import('../../logger.js'),
        import('../../store/secret-key.js'),
        import('../../app.js'),
      ]);
      const settings = requireRuntimeSettings(options);
      const config = await optionalConfig(options.config);
      const logger = createLogger({ level: settings.logLevel });
      const secret: LoadedSecretKey = settings.secretKey ? { key: secretKeyFrom(settings.secretKey, 'RIPCORD_SECRET_KEY'), warnings: [] } : loadSecretKey({ env: {}, file: settings.secretKeyFile });
      for (const warning of secret.warnings) logger.warn(warning);
      const app = await createApp({
        config,
        logger,
        databaseUrl: settings.databaseUrl,
        dataDir: options.dataDir,
        // Absolute: the router process started from it may run elsewhere.
        configFile: config ? resolve(options.config ?? 'ripcord.yaml') : undefined,
        watchIntervalMs: settings.watchIntervalMs,
        rollbackCooldownMs: settings.rollbackCooldownMs,
        rollbackLeaseMs: settings.rollbackLeaseMs,
        adminToken: settings.adminToken,
        ofrepRateLimit: settings.ofrepRateLimit,
        corsOrigins: settings.corsOrigins,
        secretKey: secret.key,
        publicUrl: settings.publicUrl,
        authFailureLimit: settings.authFailureLimit,
        streamLimitPerToken: settings.streamLimitPerToken,
        streamLimit: settings.streamLimit,
        listen: { host: options.host, port: settings.port },
        routerProcess: !options.routerInProcess,
      });
      const url = app.url ?? (await listen(app, { host: options.host, port: settings.port }));
      print(`ripcord ${VERSION} — ${config ? `rollback plan of ${config.service} (${Object.keys(config.environments).join(', ')})` : 'no ripcord.yaml loaded (ledger and API only; see ripcord init)'}`);
      print(`store:     ${app.store.dialect} at ${app.store.location}`);
      print(`secret key: ${secret.key.id} from ${secret.key.source}${secret.generated ? ' (made now: servers sharing this store need a copy of it)' : ''}`);
      print(`listening: ${url}  (API ${url}/api/v1, OpenAPI ${url}/api/v1/openapi.json)`);
      if (app.generatedAdminToken) {
        print(`admin token (shown once, keep it safe): ${app.generatedAdminToken}`);
        print(`  try: RIPCORD_SERVER=${url} RIPCORD_TOKEN=<token> ripcord status`);
      } else {
        print(settings.adminToken ? 'admin token: from RIPCORD_ADMIN_TOKEN' : 'admin token: created on first start (ripcord token create --role admin to make another)');
      }
      // Graceful: stop accepting, drain requests, let a running step finish (or abort it past the grace), free leases.
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        app.logger.info({ signal }, 'shutting down');
        try {
          await app.close();
          process.exit(0);
        } catch (error) {
          app.logger.error({ err: error }, 'shutdown did not complete cleanly');
          process.exit(1);
        }
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
