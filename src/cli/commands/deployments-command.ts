import type { Command } from 'commander';
import { RipcordError } from '../../core/errors.js';
import { deploymentLog } from '../../deployments/deployment-log.js';
import { RELEASE_STATUSES, type Release, type ReleaseStatus } from '../../deployments/release.js';
import { optionalConfig } from '../config-file.js';
import { addDataSourceOptions, type DataSourceOptions } from '../data-source.js';
import { print, printJson } from '../output.js';
import { withLedger } from './deploy-command.js';
import { printRelease, releaseRows } from './release-view.js';

interface DeploymentsOptions extends DataSourceOptions {
  service?: string;
  env?: string;
  status?: string;
  limit: string;
  cursor?: string;
  all?: boolean;
  format: string;
  json?: boolean;
}

const FORMATS = ['table', 'log', 'json'];

export function registerDeployments(program: Command): void {
  addDataSourceOptions(
    program
      .command('deployments [release-id]')
      .description('release history, newest first; with an id, one release with its snapshots and history')
      .option('--service <service>', 'only this service (default: the one in ripcord.yaml)')
      .option('--env <environment>', 'only this environment')
      .option('--status <status>', `only this status (${RELEASE_STATUSES.join(', ')})`)
      .option('--limit <n>', 'page size (1-200)', '20')
      .option('--cursor <cursor>', 'the next page, as printed after the previous one')
      .option('--all', 'every page')
      .option('--format <format>', `table, log (the seeds' deployment-log.txt) or json`, 'table')
      .option('--json', 'same as --format json'),
  )
    .addHelpText('after', '\nExamples:\n  ripcord deployments --service pulse-messages --env production\n  ripcord deployments --env production --format log --all >> deployment-log.txt\n  ripcord deployments rel_0m3x9k2ab4c6d8e0f1a2b3c4')
    .action(async (id: string | undefined, options: DeploymentsOptions) => {
      const format = options.json ? 'json' : options.format;
      if (!FORMATS.includes(format)) throw new RipcordError('usage', `--format must be one of ${FORMATS.join(', ')}, not "${format}"`);
      if (options.status && !(RELEASE_STATUSES as readonly string[]).includes(options.status)) throw new RipcordError('usage', `--status must be one of ${RELEASE_STATUSES.join(', ')}`);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new RipcordError('usage', `--limit must be a whole number from 1 to 200, not "${options.limit}"`);
      await withLedger(options, async (ledger) => {
        if (id) {
          const release = await ledger.get(id);
          if (format === 'json') printJson(release);
          else printRelease(release);
          return;
        }
        const service = options.service ?? (ledger.where.startsWith('server') ? undefined : (await optionalConfig(options.config))?.service);
        const releases: Release[] = [];
        let cursor = options.cursor;
        let nextCursor: string | undefined;
        do {
          const page = await ledger.list({ service, environment: options.env, status: options.status as ReleaseStatus | undefined, limit, cursor });
          releases.push(...page.releases);
          nextCursor = page.nextCursor;
          cursor = nextCursor;
        } while (options.all && cursor);
        if (format === 'json') printJson({ releases, nextCursor });
        else if (format === 'log') {
          if (releases.length > 0) print(deploymentLog(releases));
        } else {
          if (releases.length === 0) print(`no releases recorded${options.env ? ` in ${options.env}` : ''} (${ledger.where})`);
          else print(releaseRows(releases));
          if (nextCursor) print(`more: --cursor ${nextCursor}`);
        }
      });
    });
}
