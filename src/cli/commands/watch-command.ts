import type { Command } from 'commander';
import { RipcordError } from '../../core/errors.js';
import type { EnvironmentWatch } from '../../detection/detection-service.js';
import { optionalConfig, requireService } from '../config-file.js';
import { addDataSourceOptions, type DataSourceOptions, resolveDataSource } from '../data-source.js';
import { print, printJson, table, when } from '../output.js';

interface WatchOptions extends DataSourceOptions {
  service?: string;
  json?: boolean;
  once?: boolean;
  interval: string;
}

const MARK = { healthy: 'HEALTHY', unhealthy: 'UNHEALTHY', inconclusive: 'INCONCLUSIVE (cannot judge: a person should look)' } as const;

export function printWatch(watch: EnvironmentWatch): void {
  print(`${watch.service}/${watch.environment} ${watch.version} (${watch.releaseId}) — ${MARK[watch.verdict]}   updated ${when(watch.updatedAt)}`);
  print(`  ${watch.explanation}`);
  print();
  print(table(['TRIGGER', 'SEVERITY', 'STATE', 'WHY'], watch.triggers.map((t) => [t.trigger, t.severity, t.state === 'no_data' ? 'no data' : t.state, t.explanation])));
  const signals = Object.entries(watch.signals);
  if (signals.length > 0) {
    print();
    print(table(['SIGNAL', 'VALUE', 'AT'], signals.map(([ref, s]) => [ref, s.error !== undefined ? `error: ${s.error}` : String(s.value !== undefined ? Number(s.value.toPrecision(4)) : '-'), s.at.slice(11, 19)])));
  }
  print();
  const d = watch.decision;
  print(d ? `decision ${d.id}: ${d.severity} ${d.action} (${d.status})${d.deadline ? ` by ${when(d.deadline)}` : ''}\n  ${d.explanation}` : 'decision: none (only an unhealthy verdict leads to one)');
}

/** One reading: from the server's watcher, or (no --server) a one-off watcher on the local store. */
async function readOnce(options: WatchOptions, environment: string): Promise<EnvironmentWatch> {
  const source = resolveDataSource(options);
  if (source.kind === 'server') {
    const { client } = source;
    const query = options.service ? `?service=${encodeURIComponent(options.service)}` : '';
    return client.request('GET', `api/v1/environments/${encodeURIComponent(environment)}/verdict${query}`);
  }
  const config = await optionalConfig(options.config);
  if (!config) throw new RipcordError('usage', 'without --server, watch needs ripcord.yaml (or --config) to know the signals and triggers');
  const service = requireService(options.service, config);
  const { LocalCompositionRoot } = await import('../../local-composition-root.js');
  const root = await LocalCompositionRoot.open(source);
  try {
    const module = await root.detection(config);
    await module.detection.tick();
    const watch = module.detection.verdict(service, environment);
    if (!watch) throw new RipcordError('not_found', `nothing live to watch in ${service}/${environment} (record a deploy first)`);
    return watch;
  } finally {
    await root.close();
  }
}

export function registerWatch(program: Command): void {
  addDataSourceOptions(
    program
      .command('watch')
      .description('the live verdict of an environment: triggers with their numbers, signal values and the decision')
      .argument('<environment>', 'environment to watch, e.g. production')
      .option('--service <name>', 'service (default: from ripcord.yaml)')
      .option('--once', 'print one reading and exit (exit code 1 when unhealthy)')
      .option('--interval <seconds>', 'seconds between readings', '5')
      .option('--json', 'print as JSON (one document per reading)'),
  )
    .addHelpText('after', '\nExample:\n  RIPCORD_SERVER=http://127.0.0.1:4747 RIPCORD_TOKEN=rcp_… ripcord watch production\n  ripcord watch production --once --json')
    .action(async (environment: string, options: WatchOptions) => {
      // `ripcord watch production | head`: the reader went away, which is an ending, not an error.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE') process.exit(0);
        throw error;
      });
      const interval = Number(options.interval);
      if (!(interval > 0)) throw new RipcordError('usage', `--interval must be a positive number of seconds, not "${options.interval}"`);
      for (;;) {
        const watch = await readOnce(options, environment);
        if (options.json) printJson(watch);
        else printWatch(watch);
        if (options.once) {
          // Exit 1 by way of an error, so no wrapper can overwrite it: a CI step can gate on the verdict.
          if (watch.verdict === 'unhealthy') {
            const decision = watch.decision ? `; decision ${watch.decision.id}: ${watch.decision.severity} ${watch.decision.action} (${watch.decision.status})` : '';
            throw new RipcordError('unavailable', `${watch.service}/${watch.environment} ${watch.version} is unhealthy${decision}`);
          }
          return;
        }
        if (!options.json) print('—'.repeat(40));
        await new Promise((resolve) => setTimeout(resolve, interval * 1000));
      }
    });
}
