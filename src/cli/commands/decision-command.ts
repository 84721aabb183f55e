import type { Command } from 'commander';
import type { Decision } from '../../decisions/decision.js';
import type { ApiClient } from '../api-client.js';
import { type DataSourceOptions, serverClient } from '../data-source.js';
import { print, printJson, table, when } from '../output.js';

function client(options: DataSourceOptions): ApiClient {
  // Approvals must reach the server: its rollback executor acts on them, a local file write would not tell it.
  return serverClient(options, 'decisions live on the server');
}

const serverOptions = (command: Command) =>
  command.option('--server <url>', 'ripcord server (env RIPCORD_SERVER)').option('--token <token>', 'API token (env RIPCORD_TOKEN)').option('--json', 'print as JSON');

function printDecision(d: Decision): void {
  print(`${d.id}: ${d.severity} ${d.action} — ${d.status}${d.decidedBy ? ` by ${d.decidedBy}` : ''}${d.deadline ? `, act by ${when(d.deadline)}` : ''}`);
  print(`  ${d.explanation}`);
  if (d.reason) print(`  reason: ${d.reason}`);
}

export function registerDecision(program: Command): void {
  const decision = program.command('decision').description('decisions made by the policy: list them, approve or veto one');
  serverOptions(decision.command('list').description('newest decisions first').option('--env <environment>', 'only this environment'))
    .addHelpText('after', '\nExample:\n  ripcord decision list --env production --server http://127.0.0.1:4747')
    .action(async (options: DataSourceOptions & { env?: string; json?: boolean }) => {
      const { decisions } = await client(options).request<{ decisions: Decision[] }>('GET', `api/v1/decisions${options.env ? `?environment=${encodeURIComponent(options.env)}` : ''}`);
      if (options.json) return printJson({ decisions });
      if (decisions.length === 0) return print('no decisions yet');
      print(table(['ID', 'ENVIRONMENT', 'SEVERITY', 'ACTION', 'STATUS', 'MADE'], decisions.map((d) => [d.id, d.environment, d.severity, d.action, d.status, when(d.madeAt)])));
    });
  for (const verb of ['approve', 'veto'] as const) {
    serverOptions(
      decision
        .command(verb)
        .description(verb === 'approve' ? 'approve a pending decision (rollback after approval)' : 'veto a decision before it is acted on')
        .argument('<id>', 'decision id, e.g. dec_0mwsq…')
        .option('--reason <text>', 'why, for the timeline'),
    )
      .addHelpText('after', `\nExample:\n  ripcord decision ${verb} dec_0mwsqfvq9000a0bb1fee00b4aa --reason "${verb === 'approve' ? 'confirmed in Sentry' : 'upstream incident, not this release'}"`)
      .action(async (id: string, options: DataSourceOptions & { reason?: string; json?: boolean }) => {
        const result = await client(options).request<Decision>('POST', `api/v1/decisions/${encodeURIComponent(id)}/${verb}`, options.reason ? { reason: options.reason } : {});
        if (options.json) printJson(result);
        else printDecision(result);
      });
  }
}
