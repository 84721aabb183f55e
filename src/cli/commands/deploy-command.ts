import type { Command } from 'commander';
import { RipcordError } from '../../core/errors.js';
import type { SnapshotInput } from '../../deployments/ledger.js';
import { RELEASE_STATUSES, type ReleaseStatus, SNAPSHOT_KINDS, type SnapshotKind } from '../../deployments/release.js';
import { optionalConfig } from '../config-file.js';
import { addDataSourceOptions, type DataSourceOptions } from '../data-source.js';
import { openLedgerAccess } from '../ledger-access.js';
import { print, printJson } from '../output.js';
import { printRelease } from './release-view.js';

interface RecordOptions extends DataSourceOptions {
  service?: string;
  env: string;
  version: string;
  commit?: string;
  providerId?: string;
  artifact?: string;
  notes?: string;
  deployedAt?: string;
  deployedBy?: string;
  snapshot: string[];
  json?: boolean;
}

/** `--snapshot database_backup=s3://bucket/backup.sql` */
function parseSnapshot(text: string): SnapshotInput {
  const eq = text.indexOf('=');
  const kind = text.slice(0, eq);
  if (eq < 1 || !(SNAPSHOT_KINDS as readonly string[]).includes(kind)) {
    throw new RipcordError('usage', `--snapshot "${text}": expected <kind>=<reference> with kind one of ${SNAPSHOT_KINDS.join(', ')}`);
  }
  return { kind: kind as SnapshotKind, reference: text.slice(eq + 1) };
}

async function withLedger<T>(options: DataSourceOptions, work: (ledger: Awaited<ReturnType<typeof openLedgerAccess>>) => Promise<T>): Promise<T> {
  const ledger = await openLedgerAccess(options);
  try {
    return await work(ledger);
  } finally {
    await ledger.close();
  }
}

export function registerDeploy(program: Command): void {
  const deploy = program.command('deploy').description('record deploys made elsewhere and change a release\'s standing');

  addDataSourceOptions(
    deploy
      .command('record')
      .description('record a deploy in the ledger (what went live, and what undoes it)')
      .requiredOption('--env <environment>', 'environment, e.g. production')
      .requiredOption('--version <version>', 'the version that went live, e.g. v1.2.4')
      .option('--service <service>', 'service (default: the one in ripcord.yaml)')
      .option('--commit <sha>', 'git commit deployed')
      .option('--provider-id <id>', 'the platform\'s deployment id (Vercel dpl_…, Render dep-…)')
      .option('--artifact <ref>', 'image or artifact reference')
      .option('--notes <text>', 'free text')
      .option('--deployed-at <iso>', 'when it went live, if not now (ISO 8601)')
      .option('--deployed-by <who>', 'who deployed (default: the token name or local user)')
      .option('--snapshot <kind=ref>', `snapshot taken for it; repeatable (kinds: ${SNAPSHOT_KINDS.join(', ')})`, (value: string, all: string[]) => [...all, value], [] as string[])
      .option('--json', 'print the recorded release as JSON'),
  )
    .addHelpText('after', '\nExample:\n  ripcord deploy record --service pulse-messages --env production --version v1.2.4 \\\n    --commit 9f2c1e7 --provider-id dpl_8xK2 --snapshot database_backup=backups/pre-v1.2.4.sql')
    .action(async (options: RecordOptions) => {
      const snapshots = options.snapshot.map(parseSnapshot);
      if (options.deployedAt && Number.isNaN(Date.parse(options.deployedAt))) throw new RipcordError('usage', `--deployed-at "${options.deployedAt}" is not an ISO 8601 time`);
      const release = await withLedger(options, async (ledger) => {
        const service = options.service ?? (ledger.where.startsWith('server') ? undefined : (await optionalConfig(options.config))?.service);
        if (!service && !ledger.where.startsWith('server')) throw new RipcordError('usage', '--service is required (or run next to a ripcord.yaml that names the service)');
        return ledger.record({
          service: service as string,
          environment: options.env,
          version: options.version,
          commit: options.commit,
          providerDeploymentId: options.providerId,
          artifact: options.artifact,
          notes: options.notes,
          deployedAt: options.deployedAt,
          deployedBy: options.deployedBy,
          snapshots,
        });
      });
      if (options.json) printJson(release);
      else print(`recorded ${release.service}/${release.environment} ${release.version} as ${release.status} (${release.id})${release.previousReleaseId ? `; previous release ${release.previousReleaseId}` : ''}`);
    });

  addDataSourceOptions(
    deploy
      .command('sync')
      .description('record the deploys the platform made (git push → production) that the ledger lacks')
      .requiredOption('--env <environment>', 'environment whose provider lists its deployments (vercel, netlify, render)')
      .option('--json', 'print what was recorded as JSON'),
  )
    .addHelpText('after', '\nExample:\n  ripcord deploy sync --env production')
    .action(async (options: DataSourceOptions & { env: string; json?: boolean }) => {
      // The provider code loads only for this command.
      const { runDeploySync } = await import('../../providers/deploy-sync.js');
      const config = await optionalConfig(options.config);
      const result = await withLedger(options, (ledger) => runDeploySync(config, options.env, ledger, options.dataDir));
      if (options.json) printJson(result);
      else for (const line of result.lines) print(line);
    });

  addDataSourceOptions(
    deploy
      .command('mark-stable <release-id>')
      .description('mark a release as known good (a rollback target)')
      .option('--json', 'print the release as JSON'),
  )
    .addHelpText('after', '\nExample:\n  ripcord deploy mark-stable rel_0m3x9k2ab4c6d8e0f1a2b3c4')
    .action(async (id: string, options: DataSourceOptions & { json?: boolean }) => {
      const release = await withLedger(options, (ledger) => ledger.markStable(id));
      if (options.json) printJson(release);
      else printRelease(release);
    });

  addDataSourceOptions(
    deploy
      .command('set-status <release-id> <status>')
      .description(`record a status change (${RELEASE_STATUSES.join(', ')})`)
      .option('--reason <text>', 'why, for the history')
      .option('--json', 'print the release as JSON'),
  )
    .addHelpText('after', '\nExample:\n  ripcord deploy set-status rel_0m3x9k2ab4c6d8e0f1a2b3c4 verified --reason "smoke tests passed"')
    .action(async (id: string, status: string, options: DataSourceOptions & { reason?: string; json?: boolean }) => {
      if (!(RELEASE_STATUSES as readonly string[]).includes(status)) throw new RipcordError('usage', `status must be one of ${RELEASE_STATUSES.join(', ')}, not "${status}"`);
      const release = await withLedger(options, (ledger) => ledger.transition(id, status as ReleaseStatus, options.reason));
      if (options.json) printJson(release);
      else printRelease(release);
    });
}

export { withLedger };
