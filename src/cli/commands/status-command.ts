import type { Command } from 'commander';
import { addDataSourceOptions, type DataSourceOptions } from '../data-source.js';
import { print, printJson, table, when } from '../output.js';
import { withLedger } from './deploy-command.js';

export function registerStatus(program: Command): void {
  addDataSourceOptions(
    program
      .command('status')
      .description('where things stand: per environment, the release serving it and the last known good one')
      .option('--json', 'print as JSON'),
  )
    .addHelpText('after', '\nExample:\n  RIPCORD_SERVER=http://127.0.0.1:4747 RIPCORD_TOKEN=rcp_… ripcord status')
    .action(async (options: DataSourceOptions & { json?: boolean }) => {
      await withLedger(options, async (ledger) => {
        const report = await ledger.status();
        if (options.json) {
          printJson(report);
          return;
        }
        if (report.environments.length === 0) {
          print(`nothing recorded yet (${ledger.where}); record a deploy with: ripcord deploy record --env production --version v1.0.0`);
          return;
        }
        // The watcher's verdict lives in the server; the local store has none to show.
        const verdicts = report.environments.some((env) => 'verdict' in env);
        print(
          table(
            ['SERVICE', 'ENVIRONMENT', 'SERVING', 'STATUS', 'SINCE', 'LAST KNOWN GOOD', ...(verdicts ? ['VERDICT'] : [])],
            report.environments.map((env) => [
              env.service,
              env.environment,
              env.current?.version ?? '-',
              env.current?.status ?? 'nothing live',
              when(env.current?.deployedAt),
              env.lastKnownGood ? `${env.lastKnownGood.version} (${env.lastKnownGood.id})` : 'none yet',
              ...(verdicts ? [(env as { verdict?: { state: string } }).verdict?.state ?? '-'] : []),
            ]),
          ),
        );
      });
    });
}
