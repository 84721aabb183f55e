import type { Command } from 'commander';
import { optionalConfig } from '../config-file.js';
import { print } from '../output.js';
import { VERSION } from '../../version.js';
import { RipcordError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';

/** `--watch-interval 1s` (or RIPCORD_WATCH_INTERVAL_MS): how often the watcher judges every live release. */
function watchInterval(flag: string | undefined): number | undefined {
  if (flag !== undefined) {
    const ms = parseDuration(flag);
    if (ms === undefined || ms < 100) throw new RipcordError('usage', `--watch-interval: "${flag}" is not a duration of at least 100ms; write it like 1s or 5s`);
    return ms;
  }
  return Number(process.env.RIPCORD_WATCH_INTERVAL_MS) || undefined;
}

/** `https://app.example.com,https://admin.example.com` → origins; each must be a bare origin (scheme://host[:port]). */
function corsOrigins(list: string | undefined): string[] | undefined {
  if (!list) return undefined;
  return list
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((origin) => {
      const parsed = URL.canParse(origin) ? new URL(origin) : undefined;
      if (!parsed || parsed.origin !== origin) throw new RipcordError('usage', `--cors-origin: "${origin}" is not an origin; write it like https://app.example.com (no path, no trailing slash)`);
      return origin;
    });
}

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
    .option('--cors-origin <origins>', 'browser apps\' origins allowed to call OFREP, the flag stream, the banner and /status, comma-separated (env RIPCORD_CORS_ORIGINS)')
    .addHelpText('after', '\nExample:\n  ripcord serve --config ripcord.yaml --port 4747\n  RIPCORD_ADMIN_TOKEN=rcp_… ripcord serve --database postgres://127.0.0.1/ripcord')
    .action(async (options: { config?: string; port: string; host: string; dataDir: string; database?: string; ofrepRateLimit?: string; corsOrigin?: string; watchInterval?: string }) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RipcordError('usage', `--port must be a number from 0 to 65535, not "${options.port}"`);
      const config = await optionalConfig(options.config);
      // The server's modules load only when serving.
      const { createApp, listen } = await import('../../app.js');
      const app = await createApp({
        config,
        databaseUrl: options.database ?? process.env.RIPCORD_DATABASE_URL,
        dataDir: options.dataDir,
        configFile: config ? (options.config ?? 'ripcord.yaml') : undefined,
        watchIntervalMs: watchInterval(options.watchInterval),
        rollbackCooldownMs: process.env.RIPCORD_ROLLBACK_COOLDOWN_MS ? Number(process.env.RIPCORD_ROLLBACK_COOLDOWN_MS) : undefined,
        adminToken: process.env.RIPCORD_ADMIN_TOKEN || undefined,
        ofrepRateLimit: options.ofrepRateLimit ? Number(options.ofrepRateLimit) : undefined,
        corsOrigins: corsOrigins(options.corsOrigin ?? process.env.RIPCORD_CORS_ORIGINS),
      });
      const url = await listen(app, { host: options.host, port });
      print(`ripcord ${VERSION} — ${config ? `rollback plan of ${config.service} (${Object.keys(config.environments).join(', ')})` : 'no ripcord.yaml loaded (ledger and API only; see ripcord init)'}`);
      print(`store:     ${app.store.dialect} at ${app.store.location}`);
      print(`listening: ${url}  (API ${url}/api/v1, OpenAPI ${url}/api/v1/openapi.json)`);
      if (app.generatedAdminToken) {
        print(`admin token (shown once, keep it safe): ${app.generatedAdminToken}`);
        print(`  try: RIPCORD_SERVER=${url} RIPCORD_TOKEN=<token> ripcord status`);
      } else {
        print(process.env.RIPCORD_ADMIN_TOKEN ? 'admin token: from RIPCORD_ADMIN_TOKEN' : 'admin token: created on first start (ripcord token create --role admin to make another)');
      }
      const stop = async (signal: string) => {
        app.logger.info({ signal }, 'shutting down');
        await app.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
