import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { RipcordError } from '../../core/errors.js';
import type { RollbackPlan } from '../../rollbacks/rollback-plan.js';
import type { ApiClient } from '../api-client.js';
import { optionalConfig } from '../config-file.js';
import { addDataSourceOptions, type DataSourceOptions, resolveDataSource } from '../data-source.js';
import { print, printJson } from '../output.js';
import { PlanProgress, printPlan } from '../plan-progress.js';

interface RollbackOptions extends DataSourceOptions {
  env?: string;
  to?: string;
  reason?: string;
  severity?: string;
  dryRun?: boolean;
  local?: boolean;
  yes?: boolean;
  force?: boolean;
  json?: boolean;
}

interface Prepared {
  plan: RollbackPlan;
  release: { version: string };
  target: { version: string };
  descriptions: string[];
}

export function registerRollback(program: Command): void {
  addDataSourceOptions(
    program
      .command('rollback')
      .description('roll an environment back to its last known good release (or --to a version), verify it, and record every step')
      .option('--env <environment>', 'environment to roll back (default: the only one in ripcord.yaml)')
      .option('--to <version>', 'go back to this version instead of the last known good release')
      .option('--reason <text>', 'why, for the timeline')
      .option('--severity <P0|P1|P2|P3>', 'severity of the problem (P0/P1 stop new releases until resolved)')
      .option('--dry-run', 'print the plan (target release and every step) and do nothing')
      .option('--local', 'act from the local ripcord.yaml and store, without the server (when it is down)')
      .option('--force', 'skip the cooldown against rollback loops; with --to, go back to a release that was rolled back (audited)')
      .option('--yes', 'do not ask for confirmation')
      .option('--json', 'print the plan / result as JSON'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  ripcord rollback --env production --dry-run\n  ripcord rollback --env production --yes --reason "checkout errors" --server http://127.0.0.1:4747\n  ripcord rollback --env production --to 1.4.2 --local --yes   # server down: act from ./ripcord.yaml and ./.ripcord',
    )
    .action(async (options: RollbackOptions) => {
      const source = resolveDataSource(options);
      const result = source.kind === 'server' ? await viaServer(source.client, options) : await locally(options, source);
      if (result && result.status !== 'succeeded') throw new RipcordError('unavailable', `rollback ${result.id} ${result.status}: ${result.state ?? ''}`);
    });
}

async function environmentOf(options: RollbackOptions): Promise<string> {
  if (options.env) return options.env;
  const config = await optionalConfig(options.config);
  const names = Object.keys(config?.environments ?? {});
  if (names.length === 1 && names[0]) return names[0];
  throw new RipcordError('usage', `pass --env <environment>${names.length ? ` (one of: ${names.join(', ')})` : ''}`);
}

async function confirm(options: RollbackOptions, prepared: Prepared): Promise<void> {
  if (options.yes || options.dryRun) return;
  if (!process.stdin.isTTY) throw new RipcordError('usage', 'rolling back needs --yes when not run from a terminal (or --dry-run to see the plan)');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`Roll ${prepared.plan.environment} back from ${prepared.release.version} to ${prepared.target.version} (${prepared.plan.steps.length} steps)? [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new RipcordError('usage', 'not confirmed; nothing was done');
}

function show(options: RollbackOptions, prepared: Prepared): boolean {
  if (!options.dryRun) return false;
  if (options.json) printJson(prepared);
  else printPlan(prepared.plan, prepared.release, prepared.target, prepared.descriptions);
  return true;
}

function finish(options: RollbackOptions, plan: RollbackPlan): RollbackPlan {
  if (options.json) printJson(plan);
  else print(`${plan.status === 'succeeded' ? 'rolled back' : 'rollback FAILED'}: ${plan.state ?? ''}`);
  return plan;
}

async function viaServer(client: ApiClient, options: RollbackOptions): Promise<RollbackPlan | undefined> {
  const body = { environment: await environmentOf(options), to: options.to, reason: options.reason, severity: options.severity, force: options.force };
  const dry = await client.request<Prepared>('POST', 'api/v1/rollbacks', { ...body, dry_run: true });
  if (show(options, dry)) return undefined;
  await confirm(options, dry);
  const started = await client.request<Prepared>('POST', 'api/v1/rollbacks', body);
  if (!options.json) print(`rolling ${started.plan.environment} back from ${started.release.version} to ${started.target.version} (plan ${started.plan.id})`);
  const progress = new PlanProgress();
  for (;;) {
    const plan = await client.request<RollbackPlan>('GET', `api/v1/rollbacks/${started.plan.id}`);
    if (!options.json) progress.update(plan);
    if (plan.status === 'succeeded' || plan.status === 'failed') return finish(options, plan);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function locally(options: RollbackOptions, source: { dataDir: string; databaseUrl: string | undefined }): Promise<RollbackPlan | undefined> {
  const config = await optionalConfig(options.config);
  if (!config) throw new RipcordError('usage', '--local needs ripcord.yaml (or --config <file>): the plan comes from it');
  const { LocalCompositionRoot } = await import('../../local-composition-root.js');
  const root = await LocalCompositionRoot.open(source);
  const { events } = root;
  const module = await root.rollbacks(config, options.config ?? 'ripcord.yaml');
  try {
    const request = { environment: await environmentOf(options), to: options.to, reason: options.reason ?? 'manual rollback (local)', actor: root.actor, severity: options.severity, force: options.force };
    const prepared = await module.executor.prepare(request);
    if (show(options, prepared)) return undefined;
    await confirm(options, prepared);
    const plan = await module.executor.start(request);
    if (!options.json) print(`rolling ${plan.environment} back from ${prepared.release.version} to ${prepared.target.version} (plan ${plan.id}, local)`);
    const progress = new PlanProgress();
    const unsubscribe = events.subscribe(async (event) => {
      if (event.type === 'rollback.step' && !options.json) progress.update(await module.executor.get(plan.id));
    });
    const finished = await module.executor.wait(plan.id);
    unsubscribe();
    progress.update(finished);
    return finish(options, finished);
  } finally {
    await module.close();
    await root.close();
  }
}
