import type { Command } from 'commander';
import { parseDuration } from '../../core/duration.js';
import { RipcordError } from '../../core/errors.js';
import type { ReleaseDetails } from '../../deployments/release.js';
import type { RollbackPlan } from '../../rollbacks/rollback-plan.js';
import type { ApiClient } from '../api-client.js';
import { optionalConfig } from '../config-file.js';
import { cliDefaults, resolveDataSource } from '../data-source.js';
import { print } from '../output.js';
import { formatMs, PlanProgress } from '../plan-progress.js';

interface ReleaseOptions {
  env?: string;
  server?: string;
  token?: string;
  config?: string;
  watch: string;
  commit?: string;
  force?: boolean;
  json?: boolean;
}

interface Watch {
  releaseId: string;
  verdict: string;
  explanation: string;
}

interface Decision {
  releaseId?: string;
  severity: string;
  action: string;
  explanation: string;
  madeAt: string;
}

export function registerRelease(program: Command): void {
  program
    .command('release')
    .description('release a version: safeguards, deploy through the provider, watch, and roll back by itself if the policy says so')
    .argument('<version>', 'the version to release, e.g. 2.0.0')
    .option('--env <environment>', 'environment (default: the only one in ripcord.yaml)')
    .option('--watch <duration>', 'how long to watch before the release counts as verified', '5m')
    .option('--commit <sha>', 'commit of this version, for the ledger')
    .option('--force', 'release even while a P0/P1 rollback is open')
    .option('--server <url>', 'ripcord server (env RIPCORD_SERVER)')
    .option('--token <token>', 'operator token (env RIPCORD_TOKEN)')
    .option('--config <file>', 'ripcord.yaml, for the default environment')
    .option('--json', 'one JSON event per line (for CI)')
    .addHelpText('after', '\nExit code: 0 when the release is verified, 1 when it was rolled back or failed.\n\nExample:\n  ripcord release 2.0.0 --env production --watch 10m --server http://127.0.0.1:4747')
    .action(async (version: string, options: ReleaseOptions) => {
      const source = resolveDataSource({ server: options.server, token: options.token });
      if (source.kind !== 'server') throw new RipcordError('usage', 'ripcord release runs through the server (it watches the release): pass --server <url> or set RIPCORD_SERVER');
      const watchMs = parseDuration(options.watch);
      if (watchMs === undefined) throw new RipcordError('usage', `--watch must be a duration like 30s or 5m, not "${options.watch}"`);
      // The quickstart's environment applies only to the quickstart's own server.
      const environment = options.env ?? (source.from === 'quickstart' ? cliDefaults().environment : undefined) ?? (await onlyEnvironment(options.config));
      await release(source.client, { version, environment, watchMs, options });
    });
}

async function onlyEnvironment(file: string | undefined): Promise<string> {
  const names = Object.keys((await optionalConfig(file))?.environments ?? {});
  if (names.length === 1 && names[0]) return names[0];
  throw new RipcordError('usage', `pass --env <environment>${names.length ? ` (one of: ${names.join(', ')})` : ''}`);
}

async function release(client: ApiClient, args: { version: string; environment: string; watchMs: number; options: ReleaseOptions }): Promise<void> {
  const { version, environment, watchMs, options } = args;
  const started = Date.now();
  const emit = (event: Record<string, unknown>, line: string) => {
    if (options.json) process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), ...event })}\n`);
    else print(line);
  };
  const stamp = () => `+${formatMs(Date.now() - started).padStart(6)}`;
  emit({ type: 'release.started', version, environment }, `${stamp()}  releasing ${version} to ${environment} (safeguards, deploy, then watch ${formatMs(watchMs)})`);
  const rollout = await client.request<{ id: string; version: string; status: string; previousReleaseId?: string }>('POST', 'api/v1/releases/rollout', {
    environment,
    version,
    commit: options.commit,
    force: options.force,
    watch_ms: watchMs,
  });
  emit({ type: 'release.deployed', releaseId: rollout.id }, `${stamp()}  deployed ${version} (${rollout.id}); watching`);
  const progress = new PlanProgress();
  let lastVerdict = '';
  let announcedPlan = false;
  let announcedDecision = false;
  const emitted = new Set<string>();
  const deadline = Date.now() + watchMs + 5 * 60_000;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const current = await client.request<ReleaseDetails>('GET', `api/v1/releases/${rollout.id}`);
    const watch = await client.request<Watch>('GET', `api/v1/environments/${environment}/verdict`).catch(() => undefined);
    if (watch && watch.releaseId === rollout.id && `${watch.verdict}` !== lastVerdict) {
      lastVerdict = watch.verdict;
      emit({ type: 'verdict', verdict: watch.verdict, explanation: watch.explanation }, `${stamp()}  verdict: ${watch.verdict} — ${watch.explanation}`);
    }
    if (!announcedDecision) {
      const { decisions } = await client.request<{ decisions: Decision[] }>('GET', `api/v1/decisions?environment=${environment}&limit=5`).catch(() => ({ decisions: [] as Decision[] }));
      const decision = decisions.find((d) => d.releaseId === rollout.id);
      if (decision) {
        announcedDecision = true;
        emit({ type: 'decision', ...decision }, `${stamp()}  decision: ${decision.severity} ${decision.action} — ${decision.explanation}`);
      }
    }
    const { plans } = await client.request<{ plans: RollbackPlan[] }>('GET', `api/v1/rollbacks?environment=${environment}&limit=5`);
    const plan = plans.find((p) => p.releaseId === rollout.id);
    if (plan) {
      if (!announcedPlan) {
        announcedPlan = true;
        emit({ type: 'rollback.started', planId: plan.id }, `${stamp()}  rolling back (plan ${plan.id}): ${plan.reason}`);
      }
      if (options.json) {
        for (const step of plan.steps) {
          const key = `${step.index}:${step.status}`;
          if (step.status !== 'pending' && !emitted.has(key)) {
            emitted.add(key);
            emit({ type: 'rollback.step', planId: plan.id, ...step }, '');
          }
        }
      } else {
        progress.update(plan);
      }
      if (plan.status === 'succeeded' || plan.status === 'failed') {
        progress.stop();
        emit({ type: 'rollback.finished', outcome: plan.status, state: plan.state }, `${stamp()}  rollback ${plan.status}: ${plan.state}`);
        timeline(await client.request<ReleaseDetails>('GET', `api/v1/releases/${rollout.id}`), plan, options.json);
        throw new RipcordError('unavailable', `${version} was rolled back${plan.status === 'failed' ? ' and the rollback FAILED' : ''}: ${plan.state}`);
      }
    } else if (current.status === 'verified') {
      emit({ type: 'release.verified', releaseId: rollout.id }, `${stamp()}  ${version} verified: ${current.transitions.at(-1)?.reason ?? ''}`);
      return;
    } else if (current.status === 'failed' || current.status === 'rolled_back') {
      throw new RipcordError('unavailable', `${version} is ${current.status}: ${current.transitions.at(-1)?.reason ?? ''}`);
    }
    if (Date.now() > deadline) throw new RipcordError('unavailable', `${version} is still ${current.status} after the watch window (verdict: ${lastVerdict || 'none'}): a person should look`);
  }
}

/** What happened, in order, with times: the seeds' "time each step". */
function timeline(release: ReleaseDetails, plan: RollbackPlan, json = false): void {
  const rows: [string, string][] = [];
  for (const t of release.transitions) rows.push([t.at, `${release.version} → ${t.to}${t.reason ? ` (${t.reason})` : ''}`]);
  rows.push([plan.createdAt, `rollback decided: ${plan.reason}`]);
  for (const step of plan.steps) {
    if (step.startedAt) rows.push([step.startedAt, `step ${step.index + 1} ${step.name}: ${step.status}${step.durationMs !== undefined ? ` in ${formatMs(step.durationMs)}` : ''}`]);
  }
  if (plan.finishedAt) rows.push([plan.finishedAt, `rollback ${plan.status}: ${plan.state}`]);
  rows.sort((a, b) => a[0].localeCompare(b[0]));
  if (json) {
    process.stdout.write(`${JSON.stringify({ type: 'timeline', rows })}\n`);
    return;
  }
  const first = Date.parse(rows[0]?.[0] ?? plan.createdAt);
  print('timeline:');
  for (const [at, text] of rows) print(`  ${at.slice(11, 23)}  +${formatMs(Date.parse(at) - first).padStart(6)}  ${text}`);
  const deployed = Date.parse(release.deployedAt);
  if (plan.finishedAt) print(`time from deploy to recovered: ${formatMs(Date.parse(plan.finishedAt) - deployed)}; rollback itself: ${formatMs(Date.parse(plan.finishedAt) - Date.parse(plan.createdAt))}`);
}
