import type { Command } from 'commander';
import { parseDuration } from '../../core/duration.js';
import { RipcordError } from '../../core/errors.js';
import type { Release } from '../../deployments/release.js';
import type { BacktestReport } from '../../detection/backtest.js';
import { optionalConfig, requireService } from '../config-file.js';
import { resolveDataSource } from '../data-source.js';
import { print, printJson, table } from '../output.js';

interface BacktestOptions {
  env: string;
  config?: string;
  since: string;
  service?: string;
  dataDir?: string;
  database?: string;
  json?: boolean;
}

const seconds = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(0)}s`);

export function printBacktest(report: BacktestReport): void {
  print(
    table(
      ['RELEASE', 'DEPLOYED', 'WOULD FIRE', 'DECISION', 'IN FACT', 'VERDICT'],
      report.rows.map((r) => [
        r.version,
        r.deployedAt.slice(0, 16).replace('T', ' '),
        r.fired.length ? r.fired.map((f) => `${f.trigger} (+${seconds(f.afterMs)})`).join('; ') : '-',
        r.decision ? `${r.decision.severity} ${r.decision.action} at +${seconds(r.decision.afterMs)}` : '-',
        r.actual === 'rolled_back' ? 'rolled back' : 'kept',
        r.outcome.replace(/_/g, ' '),
      ]),
    ),
  );
  const t = report.totals;
  print();
  print(`${t.releases} release(s): ${t.wouldRollBack} would have rolled back (${t.caught} caught, ${t.falseRollbacks} of a release that was kept), ${t.missed} missed; median detection ${seconds(t.medianDetectionMs)}`);
  if (report.skipped.length) print(`not replayable (no recorded measurements): ${report.skipped.join('; ')}`);
}

/** `ripcord backtest`: the candidate plan's triggers and policy over the recorded outcomes of past releases. */
export function registerBacktest(program: Command): void {
  program
    .command('backtest')
    .description('replay recorded outcomes of past releases through a candidate plan: what would have fired, when, and the decision')
    .requiredOption('--env <environment>', 'environment whose releases to replay')
    .option('--config <file>', 'the candidate ripcord.yaml (default ./ripcord.yaml)')
    .option('--since <duration>', 'how far back (e.g. 30d, 12h)', '30d')
    .option('--service <name>', 'service (default: from the config)')
    .option('--data-dir <dir>', 'local store directory (default ./.ripcord)')
    .option('--database <url>', 'local store on PostgreSQL (env RIPCORD_DATABASE_URL)')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExample:\n  ripcord backtest --env production --config candidate.yaml --since 30d')
    .action(async (options: BacktestOptions) => {
      const config = await optionalConfig(options.config);
      if (!config) throw new RipcordError('usage', 'backtest needs a candidate ripcord.yaml (--config)');
      const service = requireService(options.service, config);
      const sinceMs = parseDuration(options.since);
      if (sinceMs === undefined) throw new RipcordError('usage', `--since must be a duration like 30d or 12h, not "${options.since}"`);
      const now = Date.now();
      // The store and the judge load only for this command, through the local composition root.
      const source = resolveDataSource({ ...options, local: true });
      if (source.kind === 'server') throw new RipcordError('usage', 'backtest reads the recorded outcomes from the store: run it on the local store (--data-dir or --database)');
      const [{ LocalCompositionRoot }, { KyselyRollupRepository }, { backtest }] = await Promise.all([import('../../local-composition-root.js'), import('../../store/kysely-rollup-repository.js'), import('../../detection/backtest.js')]);
      const root = await LocalCompositionRoot.open(source);
      const { store, ledger } = root;
      try {
        const releases: Release[] = [];
        let cursor: string | undefined;
        do {
          const page = await ledger.list({ service, environment: options.env, limit: 200, cursor });
          releases.push(...page.releases.filter((r) => Date.parse(r.deployedAt) >= now - sinceMs));
          cursor = page.releases.some((r) => Date.parse(r.deployedAt) < now - sinceMs) ? undefined : page.nextCursor;
        } while (cursor);
        const rollups = await new KyselyRollupRepository(store.db).since(now - sinceMs - 15 * 60_000);
        const report = await backtest({ config, environment: options.env, releases, rollups, now });
        if (options.json) printJson(report);
        else printBacktest(report);
      } finally {
        await root.close();
      }
    });
}
