import { join } from 'node:path';
import type { Command } from 'commander';
import { requireConfig } from '../../config/load-config.js';
import { RipcordError } from '../../core/errors.js';
import { print, printJson } from '../output.js';

/**
 * `ripcord router`: the data plane on its own. It serves its last route whether or not any control
 * plane runs; `serve` starts and supervises it, or run it yourself (systemd, a container) and `serve`
 * adopts it. Its admin interface (address and token in admin.json, owner-only) takes route changes.
 */
export function registerRouter(program: Command): void {
  program
    .command('router')
    .description("run an environment's router (the reverse proxy between users and releases) as its own process")
    .requiredOption('--env <environment>', 'the environment whose provider is the router')
    .option('--config <file>', 'ripcord.yaml to load', 'ripcord.yaml')
    .option('--state-dir <dir>', "where the route, journal and admin.json live (serve uses <data-dir>/providers/<env>)")
    .option('--json', 'print the start line as JSON')
    .addHelpText('after', '\nExample:\n  ripcord router --env production --config ripcord.yaml --state-dir .ripcord/providers/production\n  RIPCORD_ROUTER_TOKEN=… ripcord router --env production   # several control planes share this token')
    .action(async (options: { env: string; config: string; stateDir?: string; json?: boolean }) => {
      // The router's code loads only for this command.
      const [{ OutcomeBuffer, readAdminInfo, startRouterAdmin }, { RouterProvider }] = await Promise.all([import('../../providers/router/router-admin.js'), import('../../providers/router/router-provider.js')]);
      const config = requireConfig(options.config);
      const provider = config.environments[options.env]?.provider;
      if (provider?.kind !== 'router') throw new RipcordError('usage', `--env ${options.env}: ${config.environments[options.env] ? 'its provider is not kind: router' : `no such environment in ${options.config}`}`);
      const stateDir = options.stateDir ?? join('.ripcord', 'providers', options.env);
      const outcomes = new OutcomeBuffer();
      const router = new RouterProvider(provider, { stateDir, service: config.service, environment: options.env, outcomes });
      const proxy = await router.listen();
      const folder = router.folder() as string;
      // Same admin address across restarts (the control planes have it in admin.json), unless configured.
      const previous = readAdminInfo(folder)?.admin.replace(/^http:\/\//, '');
      const { server, info } = await startRouterAdmin(router, { listen: provider.admin ?? previous ?? '127.0.0.1:0', token: process.env.RIPCORD_ROUTER_TOKEN || undefined, stateDir: folder, outcomes }).catch(() =>
        startRouterAdmin(router, { listen: provider.admin ?? '127.0.0.1:0', token: process.env.RIPCORD_ROUTER_TOKEN || undefined, stateDir: folder, outcomes }),
      );
      const line = { environment: options.env, proxy, admin: info.admin, pid: process.pid, route: router.split(), generation: router.currentGeneration() };
      if (options.json) printJson(line);
      else print(`router ${options.env}: serving ${proxy} (${Object.entries(line.route).map(([n, w]) => `${n} ${Math.round(w * 100)}%`).join(', ')}, generation ${line.generation}); admin ${info.admin}; pid ${process.pid}`);
      const stop = async () => {
        server.close();
        await router.close();
        process.exit(0);
      };
      process.once('SIGTERM', () => void stop());
      process.once('SIGINT', () => void stop());
    });
}
